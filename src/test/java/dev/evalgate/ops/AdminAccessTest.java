package dev.evalgate.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.vertx.core.net.SocketAddress;

/** Who is an admin: the key holder when a key is configured, otherwise loopback clients only. */
class AdminAccessTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("s3cret", "Bearer s3cret", "10.1.2.3", true),
                Arguments.of("s3cret", "bearer s3cret", "10.1.2.3", true),
                Arguments.of("s3cret", "Bearer wrong", "127.0.0.1", false),
                Arguments.of("s3cret", null, "127.0.0.1", false),
                Arguments.of("s3cret", "Bearer ", "127.0.0.1", false),
                Arguments.of(null, null, "127.0.0.1", true),
                Arguments.of(null, null, "::1", true),
                Arguments.of(null, "Bearer anything", "192.168.1.5", false),
                Arguments.of("", null, "127.0.0.1", true));
    }

    @ParameterizedTest(name = "key={0} auth={1} from {2}")
    @MethodSource("cases")
    void decides(String key, String authorization, String host, boolean allowed) {
        assertEquals(allowed, new AdminAccess(Optional.ofNullable(key)).allows(authorization,
                SocketAddress.inetSocketAddress(40000, host)));
    }
}
