package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.cli.cluster.NodeName;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The partition mechanism itself, without a cluster: a TCP connect from one node's namespace to a
 * closed port of another is refused while the link is up (the peer's kernel answers) and not
 * refused once it is cut (the packets are dropped), and refused again after healing; the bridge,
 * where the test's clients are, stays reachable throughout. Skipped where namespaces cannot be
 * made (not root, no CAP_NET_ADMIN, no {@code ip}).
 */
class NetworkNamespacesTest {

    private static final NodeName A = NodeName.controller(1);
    private static final NodeName B = NodeName.broker(1);
    /** A port nothing listens on: a reachable peer refuses the connection at once. */
    private static final int CLOSED_PORT = 9;

    @Test
    void aCutLinkDropsTrafficBetweenTwoNodesButNotFromTheBridgeAndHealingRestoresIt() {
        assumeTrue(NetworkNamespaces.available(), "network namespaces cannot be made here (root, CAP_NET_ADMIN "
                + "and the ip command are needed); the partition nemesis is skipped too");
        try (NetworkNamespaces network = NetworkNamespaces.create(List.of(A, B))) {
            assertTrue(refused(network, A, NetworkNamespaces.host(B)), "before the cut, B's kernel answers A");
            network.cut(A, B);
            assertFalse(refused(network, A, NetworkNamespaces.host(B)), "the cut drops A's packets to B");
            assertFalse(refused(network, B, NetworkNamespaces.host(A)), "the cut drops B's packets to A");
            assertTrue(refused(network, A, NetworkNamespaces.BRIDGE_ADDRESS), "the clients' side stays reachable");
            network.healAll();
            assertTrue(refused(network, A, NetworkNamespaces.host(B)), "healed: B's kernel answers A again");
        }
    }

    /** Whether a connect from {@code from}'s namespace to {@code host}'s closed port is refused: the host answered. */
    private static boolean refused(NetworkNamespaces network, NodeName from, String host) {
        List<String> command = new ArrayList<>(network.launchPrefixes().get(from.toString()));
        command.addAll(List.of("timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + CLOSED_PORT));
        ExternalCommand.Result result = ExternalCommand.attempt(command.toArray(String[]::new));
        return result.exitCode() != 0 && result.output().contains("Connection refused");
    }
}
