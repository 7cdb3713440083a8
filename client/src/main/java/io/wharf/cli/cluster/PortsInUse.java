package io.wharf.cli.cluster;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;

/**
 * Finds a node's ports that another process already listens on, before the node is launched. A
 * node that cannot bind exits, but a client of the cluster would meanwhile be answered by whatever
 * holds the port, such as another cluster set up on the same ports: the health check then passes
 * against the wrong cluster. Stateless.
 */
final class PortsInUse {

    private PortsInUse() {
    }

    /**
     * The first of {@code ports} on {@code host} that cannot be bound because it is in use. A host
     * this process cannot bind at all (a node in a network namespace of its own) is not checked.
     */
    static Optional<Integer> first(String host, List<Integer> ports) {
        for (int port : ports) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(host, port));
            } catch (BindException e) {
                if (String.valueOf(e.getMessage()).contains("in use")) {
                    return Optional.of(port);
                }
                return Optional.empty(); // not an address of this namespace: the node binds it in its own
            } catch (IOException e) {
                // The probe itself failed; the node's own bind will then say why, in its log.
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
