package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The readiness probe {@code wharf cluster up} waits on, against a stand-in node endpoint. */
class ReadinessProbeTest {

    private final AtomicInteger status = new AtomicInteger(503);
    private HttpServer node;

    @BeforeEach
    void serve() throws IOException {
        node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        node.createContext("/health/ready", exchange -> {
            byte[] body = (status.get() == 200 ? "ready" : "not ready: broker 1 is fenced")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        node.start();
    }

    @AfterEach
    void stop() {
        node.stop(0);
    }

    /** A topology whose broker-1 serves HTTP on the stand-in's port (broker-N: portBase + 300 + N). */
    private ClusterTopology topologyWithBroker1At(int port) {
        return new ClusterTopology("127.0.0.1", port - 301, 1, 1);
    }

    @Test
    void aNodeIsReadyOnlyWhenItsOwnProbeAnswers200() {
        ClusterTopology topology = topologyWithBroker1At(node.getAddress().getPort());
        NodeName broker = topology.node("broker-1");
        ReadinessProbe probe = new ReadinessProbe();

        Optional<String> waiting = probe.notReady(topology, broker);
        assertTrue(waiting.isPresent());
        assertTrue(waiting.get().contains("503") && waiting.get().contains("broker 1 is fenced"), waiting.get());

        status.set(200);
        assertEquals(Optional.empty(), probe.notReady(topology, broker));
    }

    @Test
    void aNodeThatDoesNotAnswerIsNotReady() {
        int port = node.getAddress().getPort();
        node.stop(0);
        ClusterTopology topology = topologyWithBroker1At(port);
        Optional<String> silent = new ReadinessProbe().notReady(topology, topology.node("broker-1"));
        assertTrue(silent.isPresent() && silent.get().contains("does not answer"), silent.toString());
    }
}
