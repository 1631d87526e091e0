package dev.evalgate.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.vertx.core.net.SocketAddress;

/** Who a request comes from, and who is an admin: the admin key only; loopback only when switched on. */
class AccessControlTest {

    static final SocketAddress LOOPBACK = SocketAddress.inetSocketAddress(40000, "127.0.0.1");
    static final SocketAddress REMOTE = SocketAddress.inetSocketAddress(40000, "10.1.2.3");

    static Stream<Arguments> admins() {
        return Stream.of(
                Arguments.of("s3cret", false, "Bearer s3cret", REMOTE, "localhost:8080", true),
                Arguments.of("s3cret", false, "bearer s3cret", REMOTE, "127.0.0.1", true),
                Arguments.of("s3cret", false, "Bearer wrong", LOOPBACK, "localhost", false),
                Arguments.of("s3cret", false, null, LOOPBACK, "localhost", false),
                // the key alone is not enough from a page on another name that resolves here (DNS rebinding)
                Arguments.of("s3cret", false, "Bearer s3cret", LOOPBACK, "evil.example:8080", false),
                Arguments.of("s3cret", false, "Bearer s3cret", LOOPBACK, null, false),
                // loopback is no admin unless switched on: a sidecar, a port-forward or a tunnel all come from there
                Arguments.of(null, false, null, LOOPBACK, "localhost", false),
                Arguments.of(null, false, null, SocketAddress.inetSocketAddress(1, "::1"), "[::1]:8080", false),
                Arguments.of(null, true, null, LOOPBACK, "localhost:8080", true),
                Arguments.of(null, true, null, REMOTE, "localhost:8080", false),
                Arguments.of("", true, null, LOOPBACK, "127.0.0.1:9", true));
    }

    @ParameterizedTest(name = "key={0} loopbackAdmin={1} auth={2} from {3} Host {4}")
    @MethodSource("admins")
    void decidesAdmins(String key, boolean loopbackAdmin, String authorization, SocketAddress from, String host,
            boolean admin) {
        assertEquals(admin, new AccessControl(Set.of(), Optional.ofNullable(key), loopbackAdmin, Set.of())
                .admin(authorization, from, host));
    }

    @Test
    void configuredAdminHostsAreServed() {
        AccessControl access = new AccessControl(Set.of(), Optional.of("k"), false, Set.of("evalgate.ns.svc"));
        assertTrue(access.admin("Bearer k", REMOTE, "evalgate.ns.svc:8080"));
    }

    @Test
    void withClientKeysEachKeyIsItsOwnOwnerAndNoKeyIsNoOne() {
        AccessControl access = new AccessControl(Set.of("alpha", "beta"), Optional.of("root"), false, Set.of());
        assertTrue(access.keysRequired());
        String alpha = access.caller("Bearer alpha", REMOTE).orElseThrow().owner();
        String beta = access.caller("Bearer beta", REMOTE).orElseThrow().owner();
        assertNotEquals(alpha, beta);
        assertFalse(alpha.contains("alpha"), "the owner name is a hash, never the key: " + alpha);
        assertFalse(access.caller("Bearer alpha", REMOTE).orElseThrow().admin());
        assertTrue(access.caller("Bearer root", REMOTE).orElseThrow().admin());
        assertEquals(Optional.empty(), access.caller(null, LOOPBACK));
        assertEquals(Optional.empty(), access.caller("Bearer gamma", REMOTE));
        assertEquals(Optional.empty(), access.caller("Bearer ", REMOTE));
    }

    @Test
    void withoutClientKeysEveryoneIsTheSameAnonymousCaller() {
        AccessControl access = new AccessControl(Set.of(), Optional.empty(), false, Set.of());
        // harnesses send "Bearer " with whatever OPENAI_API_KEY holds
        assertEquals(AccessControl.Caller.ANONYMOUS, access.caller("Bearer ", REMOTE).orElseThrow());
        assertEquals(AccessControl.Caller.ANONYMOUS, access.caller("Bearer sk-whatever", LOOPBACK).orElseThrow());
        assertEquals(AccessControl.Caller.ANONYMOUS, access.caller(null, REMOTE).orElseThrow());
    }
}
