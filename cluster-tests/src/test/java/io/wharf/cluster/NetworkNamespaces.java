package io.wharf.cluster;

import io.wharf.cli.cluster.NodeName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network of its own for each node of a cluster, so that a test can cut the link between two
 * nodes while the test's clients still reach both: one Linux network namespace per node, joined by
 * a veth pair to a bridge in the root namespace. The bridge has {@code 10.77.0.1}; controller-N has
 * {@code 10.77.0.(10+N)}, broker-N {@code 10.77.0.(20+N)}. A link is cut by a blackhole route to the
 * peer inside each of the two namespaces (packets to it are dropped, as in a real partition) and
 * healed by deleting the routes; the bridge's address is never blackholed, so clients keep reaching
 * every node.
 *
 * <p>Every namespace and link is named from {@link #PREFIX}: {@link #create} first removes any
 * left by an earlier run that died, and {@link #close()} removes them all. Needs root (CAP_NET_ADMIN)
 * and the {@code ip} command; see {@link #available()}. Used by the test thread only.
 */
final class NetworkNamespaces implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkNamespaces.class);
    /** Names every namespace and interface this class makes (interface names: at most 15 characters). */
    static final String PREFIX = "wnem";
    private static final String BRIDGE = PREFIX + "-br";
    private static final String SUBNET = "10.77.0.";
    /** The bridge's address in the root namespace, where the test's clients are; never cut. */
    static final String BRIDGE_ADDRESS = SUBNET + "1";

    private final Map<NodeName, String> namespaces = new LinkedHashMap<>();
    private final Set<List<NodeName>> cut = new HashSet<>();

    private NetworkNamespaces() {
    }

    /**
     * True when namespaces can be made here: a probe namespace is created and deleted. False (not
     * root, no CAP_NET_ADMIN, no {@code ip}) means the partition nemesis cannot run.
     */
    static boolean available() {
        String probe = PREFIX + "-probe";
        try {
            ExternalCommand.attempt("ip", "netns", "del", probe);
            if (ExternalCommand.attempt("ip", "netns", "add", probe).exitCode() != 0) {
                return false;
            }
            return ExternalCommand.attempt("ip", "netns", "del", probe).exitCode() == 0;
        } catch (IllegalStateException e) {
            return false;  // no ip command
        }
    }

    /** Removes what an earlier run left, then makes a namespace for each of {@code nodes}. */
    static NetworkNamespaces create(List<NodeName> nodes) {
        removeLeftovers();
        NetworkNamespaces network = new NetworkNamespaces();
        try {
            ExternalCommand.run("ip", "link", "add", BRIDGE, "type", "bridge");
            ExternalCommand.run("ip", "addr", "add", BRIDGE_ADDRESS + "/24", "dev", BRIDGE);
            ExternalCommand.run("ip", "link", "set", BRIDGE, "up");
            for (NodeName node : nodes) {
                network.add(node);
            }
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
        return network;
    }

    private void add(NodeName node) {
        String namespace = PREFIX + "-" + node;
        String veth = PREFIX + "-" + (node.isController() ? "c" : "b") + node.id();
        ExternalCommand.run("ip", "netns", "add", namespace);
        namespaces.put(node, namespace);
        ExternalCommand.run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace);
        ExternalCommand.run("ip", "link", "set", veth, "master", BRIDGE, "up");
        ExternalCommand.run("ip", "-n", namespace, "addr", "add", host(node) + "/24", "dev", "eth0");
        ExternalCommand.run("ip", "-n", namespace, "link", "set", "eth0", "up");
        ExternalCommand.run("ip", "-n", namespace, "link", "set", "lo", "up");
    }

    /** The address {@code node} listens on in its namespace. */
    static String host(NodeName node) {
        return SUBNET + ((node.isController() ? 10 : 20) + node.id());
    }

    /** Each node's host, by node name, for the cluster's topology. */
    Map<String, String> hosts() {
        Map<String, String> hosts = new LinkedHashMap<>();
        namespaces.keySet().forEach(node -> hosts.put(node.toString(), host(node)));
        return hosts;
    }

    /** Each node's launch prefix, by node name: {@code ip netns exec <namespace>}, which execs in place. */
    Map<String, List<String>> launchPrefixes() {
        Map<String, List<String>> prefixes = new LinkedHashMap<>();
        namespaces.forEach((node, namespace) ->
                prefixes.put(node.toString(), List.of("ip", "netns", "exec", namespace)));
        return prefixes;
    }

    /** Cuts the link between {@code a} and {@code b}, both ways; a link already cut stays cut. */
    void cut(NodeName a, NodeName b) {
        if (cut.add(link(a, b))) {
            ExternalCommand.run("ip", "-n", namespaces.get(a), "route", "add", "blackhole", host(b) + "/32");
            ExternalCommand.run("ip", "-n", namespaces.get(b), "route", "add", "blackhole", host(a) + "/32");
        }
    }

    /** Restores every cut link. */
    void healAll() {
        for (List<NodeName> link : List.copyOf(cut)) {
            ExternalCommand.run("ip", "-n", namespaces.get(link.get(0)), "route", "del", "blackhole",
                    host(link.get(1)) + "/32");
            ExternalCommand.run("ip", "-n", namespaces.get(link.get(1)), "route", "del", "blackhole",
                    host(link.get(0)) + "/32");
            cut.remove(link);
        }
    }

    private static List<NodeName> link(NodeName a, NodeName b) {
        return a.toString().compareTo(b.toString()) < 0 ? List.of(a, b) : List.of(b, a);
    }

    /** Deletes the namespaces (their veths and routes go with them) and the bridge. */
    @Override
    public void close() {
        List<String> failures = new ArrayList<>();
        for (String namespace : namespaces.values()) {
            ExternalCommand.Result result = ExternalCommand.attempt("ip", "netns", "del", namespace);
            if (result.exitCode() != 0) {
                failures.add(namespace + ": " + result.output().strip());
            }
        }
        namespaces.clear();
        cut.clear();
        ExternalCommand.attempt("ip", "link", "del", BRIDGE);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("cannot delete the network namespaces " + failures);
        }
    }

    /** Deletes every namespace named from {@link #PREFIX} and the bridge, as a run that died may have left them. */
    private static void removeLeftovers() {
        for (String line : ExternalCommand.run("ip", "netns", "list").split("\n")) {
            String namespace = line.strip().split("\\s+")[0];
            if (namespace.startsWith(PREFIX + "-")) {
                LOG.warn("deleting the network namespace {} an earlier run left", namespace);
                ExternalCommand.run("ip", "netns", "del", namespace);
            }
        }
        // A namespace a live process still holds outlives its deletion, and so does its veth pair.
        for (String line : ExternalCommand.run("ip", "-o", "link", "show").split("\n")) {
            String[] fields = line.split(":\\s+");
            String link = fields.length > 1 ? fields[1].split("@")[0] : "";
            if (link.startsWith(PREFIX + "-")) {
                LOG.warn("deleting the link {} an earlier run left", link);
                ExternalCommand.run("ip", "link", "del", link);
            }
        }
    }
}
