package io.wharf.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientTransportTest {

    private static List<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith(prefix + "-") && thread.isAlive()).toList();
    }

    @Test
    void itsThreadsStartWithTheFirstChannelAndAreGoneWhenItCloses() throws Exception {
        ClientTransport transport = ClientTransport.create("transport-test-io");
        assertEquals(List.of(), threadsNamed("transport-test-io"), "no thread before a channel is used");
        try (ServerSocket listening = new ServerSocket(0)) {
            ManagedChannel channel = transport.plaintextChannels().apply(new Endpoint("127.0.0.1", listening.getLocalPort()));
            channel.getState(true); // connects on a transport thread
            org.awaitility.Awaitility.await().until(() -> !threadsNamed("transport-test-io").isEmpty());
            assertTrue(threadsNamed("transport-test-io").stream().allMatch(Thread::isDaemon));
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            assertTrue(channel.isTerminated() || channel.getState(false) == ConnectivityState.SHUTDOWN);
        }
        transport.close();
        assertEquals(List.of(), threadsNamed("transport-test-io"), "close waits for its threads to end");
        assertThrows(IllegalStateException.class,
                () -> transport.plaintextChannels().apply(new Endpoint("127.0.0.1", 1)));
    }

    @Test
    void aTransportNeverUsedClosesWithoutStartingAnything() {
        ClientTransport transport = ClientTransport.create("unused-transport-io");
        transport.close();
        assertEquals(List.of(), threadsNamed("unused-transport-io"));
    }
}
