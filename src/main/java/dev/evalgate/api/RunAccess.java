package dev.evalgate.api;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.evalgate.ops.AccessControl;
import dev.evalgate.ops.AccessControl.Caller;
import dev.evalgate.scoring.runs.EvalTag;
import dev.evalgate.store.SampleStore;
import dev.evalgate.store.StoreUnavailableException;
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
        if (tag == null || caller.admin() || !access.keysRequired()) {
            return; // without client keys every caller is the same one: runs are open, as before keys
        }
        String owner = owners.computeIfAbsent(tag.run(), run -> storedOwner(run).orElse(caller.owner()));
        if (!open(owner) && !owner.equals(caller.owner())) {
            throw new ApiException(403, "PermissionDeniedError", "metadata", "The run `" + tag.run()
                    + "` belongs to another API key; tag this request with a run of your own.");
        }
    }

    /** Whether the caller may see the run's scores and samples. */
    public boolean read(String run, Caller caller) {
        if (caller.admin()) {
            return true;
        }
        String owner = Optional.ofNullable(owners.get(run)).or(() -> storedOwner(run)).orElse("");
        return open(owner) || owner.equals(caller.owner());
    }

    /**
     * The owner the store knows; empty when it does not know the run, or cannot be asked now (a database away must
     * not stop completions: the first request claims the run here, and its sample carries the claim).
     */
    private Optional<String> storedOwner(String run) {
        try {
            return store.owner(run);
        } catch (StoreUnavailableException e) {
            return Optional.empty();
        }
    }

    private static boolean open(String owner) {
        return owner == null || owner.isEmpty();
    }
}
