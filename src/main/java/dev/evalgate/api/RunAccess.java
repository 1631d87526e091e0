package dev.evalgate.api;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.evalgate.ops.AccessControl;
import dev.evalgate.ops.AccessControl.Caller;
import dev.evalgate.scoring.runs.EvalTag;
import dev.evalgate.store.SampleStore;
import io.vertx.core.net.SocketAddress;

/**
 * Who may add to a run and who may see it: a run belongs to the caller whose tagged request created it; another key's
 * tagged requests to it get 403, and its scores and samples are shown to its owner and to admins only. Runs created
 * without client keys belong to no one and stay open to all, as before keys existed.
 */
public final class RunAccess {

    private final AccessControl access;
    private final SampleStore store;
    /** Owners of runs this gateway has seen or let a request claim; a claim holds until its sample is stored. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();

    public RunAccess(AccessControl access, SampleStore store) {
        this.access = access;
        this.store = store;
    }

    /** The caller of a request; 401 when it needs a key and has none that fits. */
    public Caller caller(String authorization, SocketAddress remote) {
        return access.caller(authorization, remote).orElseThrow(() -> new ApiException(401, "AuthenticationError",
                null, "This gateway needs an API key: send `Authorization: Bearer <key>` with one of its client keys."));
    }

    /** Whether the caller may use the admin endpoints (admin key, a Host this gateway serves). */
    public boolean admin(String authorization, SocketAddress remote, String host) {
        return access.admin(authorization, remote, host);
    }

    /** Lets a tagged request add to its run: the first makes the caller the owner; another owner's gets 403. */
    void write(EvalTag tag, Caller caller) {
        if (tag == null || caller.admin()) {
            return;
        }
        String owner = owners.computeIfAbsent(tag.run(), run -> store.owner(run).orElse(caller.owner()));
        if (!open(owner) && !owner.equals(caller.owner())) {
            throw new ApiException(403, "PermissionDeniedError", "metadata", "The run `" + tag.run()
                    + "` belongs to another API key; tag this request with a run of your own.");
        }
    }

    /** Whether the caller may see the run's scores and samples. */
    boolean read(String run, Caller caller) {
        if (caller.admin()) {
            return true;
        }
        String owner = Optional.ofNullable(owners.get(run)).or(() -> store.owner(run)).orElse("");
        return open(owner) || owner.equals(caller.owner());
    }

    private static boolean open(String owner) {
        return owner == null || owner.isEmpty();
    }
}
