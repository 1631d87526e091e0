package dev.evalgate.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import io.vertx.core.net.SocketAddress;

/**
 * Decides whether a request may use the admin endpoints: with an admin key configured, a matching Bearer token
 * (compared in constant time); without one, only clients on the loopback address.
 */
public final class AdminAccess {

    private final Optional<String> adminKey;

    public AdminAccess(Optional<String> adminKey) {
        this.adminKey = adminKey.filter(k -> !k.isBlank());
    }

    public boolean allows(String authorizationHeader, SocketAddress remote) {
        if (adminKey.isPresent()) {
            if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return false;
            }
            byte[] given = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(given, adminKey.get().getBytes(StandardCharsets.UTF_8));
        }
        return remote != null && isLoopback(remote.hostAddress());
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1"));
    }
}
