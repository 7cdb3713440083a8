package io.wharf.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClientTransportTest {

    static Stream<Arguments> transports() {
        return Stream.of(
                Arguments.of("netty", (Function<String, ClientTransport>) NettyTransport::create),
                Arguments.of("okhttp", (Function<String, ClientTransport>) OkHttpTransport::create));
    }

    private static List<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith(prefix + "-") && thread.isAlive()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void itsThreadsStartWithTheFirstChannelAndAreGoneWhenItCloses(String kind, Function<String, ClientTransport> create)
            throws Exception {
        String prefix = kind + "-transport-test-io";
        ClientTransport transport = create.apply(prefix);
        assertEquals(List.of(), threadsNamed(prefix), "no thread before a channel is used");
        try (ServerSocket listening = new ServerSocket(0)) {
            ManagedChannel channel = transport.plaintextChannels().apply(new Endpoint("127.0.0.1", listening.getLocalPort()));
            channel.getState(true); // connects on a transport thread
            Awaitility.await().until(() -> !threadsNamed(prefix).isEmpty());
            assertTrue(threadsNamed(prefix).stream().allMatch(Thread::isDaemon));
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            assertTrue(channel.isTerminated() || channel.getState(false) == ConnectivityState.SHUTDOWN);
        }
        transport.close();
        // close() waits until the pools have terminated; a worker thread then still has to return
        // from its run(), so it may be alive for a moment after.
        Awaitility.await().atMost(Duration.ofSeconds(1))
                .untilAsserted(() -> assertEquals(List.of(), threadsNamed(prefix), "close stops its threads"));
        assertThrows(IllegalStateException.class,
                () -> transport.plaintextChannels().apply(new Endpoint("127.0.0.1", 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void aTransportNeverUsedClosesWithoutStartingAnything(String kind, Function<String, ClientTransport> create) {
        String prefix = kind + "-unused-transport-io";
        create.apply(prefix).close();
        assertEquals(List.of(), threadsNamed(prefix));
    }
}
