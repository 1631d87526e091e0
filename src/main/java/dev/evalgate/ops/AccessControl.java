package dev.evalgate.ops;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.vertx.core.net.SocketAddress;

/**
 * Who a request comes from: a client key (which owns the runs it creates), the admin key, or nobody. With client keys
 * configured, the API needs one of the keys; without, it is open as before, but the admin endpoints always need the
 * admin key, and loopback clients are admins only when that is switched on explicitly (a sidecar, a port-forward or
 * a tunnel all come from loopback). Keys are compared by their SHA-256, so the comparison takes the same time
 * whatever the key; a run's owner is kept as a prefix of that hash, never the key itself.
 */
public final class AccessControl {

    /** The caller of a request: the owner name of its runs ({@code ""} without client keys) and whether it is admin. */
    public record Caller(String owner, boolean admin) {

        /** The caller when no client keys are configured and no admin key was given. */
        public static final Caller ANONYMOUS = new Caller("", false);
        static final Caller ADMIN = new Caller("admin", true);
    }

    private final Map<String, String> clientKeys;
    private final Optional<String> adminKeyHash;
    private final boolean loopbackAdmin;
    private final Set<String> adminHosts;

    /**
     * @param clientKeys the client keys; empty to leave the API open
     * @param adminKey the admin key; empty for no admin but loopback (when {@code loopbackAdmin})
     * @param extraAdminHosts Host header values admin requests may carry besides this machine's names and addresses
     */
    public AccessControl(Set<String> clientKeys, Optional<String> adminKey, boolean loopbackAdmin,
            Set<String> extraAdminHosts) {
        Map<String, String> keys = new HashMap<>();
        for (String key : clientKeys) {
            if (!key.isBlank()) {
                String hash = sha256(key.strip());
                keys.put(hash, "key-" + hash.substring(0, 12));
            }
        }
        this.clientKeys = Map.copyOf(keys);
        this.adminKeyHash = adminKey.filter(k -> !k.isBlank()).map(k -> sha256(k.strip()));
        this.loopbackAdmin = loopbackAdmin;
        Set<String> hosts = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        hosts.addAll(extraAdminHosts);
        hosts.addAll(localNames());
        this.adminHosts = hosts;
    }

    /** Whether requests to the API must carry a key. */
    public boolean keysRequired() {
        return !clientKeys.isEmpty();
    }

    /**
     * The caller of a request, or empty when it must be refused (401): keys are required and it has none that
     * matches, or it presented a wrong admin key.
     */
    public Optional<Caller> caller(String authorizationHeader, SocketAddress remote) {
        String presented = bearer(authorizationHeader);
        if (presented != null && !presented.isEmpty()) {
            String hash = sha256(presented);
            if (adminKeyHash.isPresent() && MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                    adminKeyHash.get().getBytes(StandardCharsets.US_ASCII))) {
                return Optional.of(Caller.ADMIN);
            }
            String owner = clientKeys.get(hash);
            if (owner != null) {
                return Optional.of(new Caller(owner, false));
            }
            if (keysRequired()) {
                return Optional.empty();
            }
        } else if (keysRequired()) {
            return Optional.empty();
        }
        // harnesses send "Authorization: Bearer <whatever OPENAI_API_KEY holds>" to an open server: that is no one
        if (loopbackAdmin && remote != null && isLoopback(remote.hostAddress())) {
            return Optional.of(Caller.ADMIN);
        }
        return Optional.of(Caller.ANONYMOUS);
    }

    /** Whether a request may use the admin endpoints: an admin caller, for a Host this gateway serves. */
    public boolean admin(String authorizationHeader, SocketAddress remote, String host) {
        return caller(authorizationHeader, remote).map(Caller::admin).orElse(false) && servedHost(host);
    }

    /**
     * Whether the Host header names this gateway (one of this machine's names or addresses, or a configured name):
     * a browser page on another name that resolves here (DNS rebinding) sends its own name.
     */
    boolean servedHost(String host) {
        if (host == null) {
            return false;
        }
        String name = host.startsWith("[") ? host.substring(1, Math.max(1, host.indexOf(']')))
                : host.lastIndexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':')
                        ? host.substring(0, host.lastIndexOf(':')) : host;
        return adminHosts.contains(name.toLowerCase(Locale.ROOT));
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).strip();
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1"));
    }

    private static Set<String> localNames() {
        Set<String> names = new TreeSet<>(Set.of("localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"));
        try {
            names.add(InetAddress.getLocalHost().getHostName());
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                nic.inetAddresses().forEach(a -> names.add(a.getHostAddress().replaceFirst("%.*$", "")));
            }
        } catch (Exception e) {
            // no interfaces to name: the loopback names and the configured ones remain
        }
        Optional.ofNullable(System.getenv("HOSTNAME")).ifPresent(names::add);
        return names;
    }

    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
