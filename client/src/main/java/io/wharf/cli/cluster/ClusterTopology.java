package io.wharf.cli.cluster;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.client.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which nodes a local cluster has and where each listens: controller-N serves gRPC on
 * {@code portBase+N} and Raft on {@code portBase+100+N}, broker-N serves gRPC on
 * {@code portBase+200+N} and its HTTP endpoint (metrics, health) on {@code portBase+300+N}; controller-N's
 * HTTP endpoint is on {@code portBase+400+N}; all on {@code host}, unless {@code nodeHosts} gives a
 * node a host of its own (a test that runs each node in its own network namespace, so that it can
 * cut the links between them). Stored as {@code cluster.json}. Immutable.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClusterTopology(String host, int portBase, int controllers, int brokers,
                              @JsonProperty("node_hosts") @JsonInclude(JsonInclude.Include.NON_EMPTY)
                              Map<String, String> nodeHosts) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT_BASE = 17000;
    public static final int MAX_CONTROLLERS = 99;
    public static final int MAX_BROKERS = 99;

    /** Every node on {@code host}. */
    public ClusterTopology(String host, int portBase, int controllers, int brokers) {
        this(host, portBase, controllers, brokers, Map.of());
    }

    /**
     * @param nodeHosts the host of each node (by name, e.g. {@code broker-1}) that does not listen
     *     on {@code host}; null or empty when all do
     */
    @JsonCreator
    public ClusterTopology(@JsonProperty("host") String host, @JsonProperty("port_base") int portBase,
                           @JsonProperty("controllers") int controllers, @JsonProperty("brokers") int brokers,
                           @JsonProperty("node_hosts") Map<String, String> nodeHosts) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the cluster host must not be blank");
        }
        if (controllers < 1 || controllers > MAX_CONTROLLERS) {
            throw new IllegalArgumentException("controllers must be between 1 and " + MAX_CONTROLLERS + ", got " + controllers);
        }
        if (brokers < 0 || brokers > MAX_BROKERS) {
            throw new IllegalArgumentException("brokers must be between 0 and " + MAX_BROKERS + ", got " + brokers);
        }
        if (portBase < 1024 || portBase + 500 > 65535) {
            throw new IllegalArgumentException("port base must be between 1024 and 65035, got " + portBase);
        }
        this.host = host;
        this.portBase = portBase;
        this.controllers = controllers;
        this.brokers = brokers;
        this.nodeHosts = nodeHosts == null ? Map.of() : Map.copyOf(new TreeMap<>(nodeHosts));
        for (String name : this.nodeHosts.keySet()) {
            node(name); // a host for a node this topology does not have is a mistake
        }
    }

    public static ClusterTopology local(int controllers, int brokers) {
        return new ClusterTopology(DEFAULT_HOST, DEFAULT_PORT_BASE, controllers, brokers);
    }

    @Override
    @JsonProperty("port_base")
    public int portBase() {
        return portBase;
    }

    /** Every node: controllers first, then brokers, each by id. */
    @JsonProperty(value = "nodes", access = JsonProperty.Access.READ_ONLY)
    public List<NodeEntry> nodeEntries() {
        return nodes().stream().map(node -> new NodeEntry(node.toString(), node.role().prefix(), node.id(),
                rpcPort(node), node.isController() ? raftPort(node) : null,
                metricsPort(node))).toList();
    }

    public List<NodeName> nodes() {
        List<NodeName> nodes = new ArrayList<>();
        for (int id = 1; id <= controllers; id++) {
            nodes.add(NodeName.controller(id));
        }
        for (int id = 1; id <= brokers; id++) {
            nodes.add(NodeName.broker(id));
        }
        return List.copyOf(nodes);
    }

    public boolean contains(NodeName node) {
        int count = node.isController() ? controllers : brokers;
        return node.id() <= count;
    }

    /**
     * The node of that name; the message of the exception lists every valid name.
     */
    public NodeName node(String name) {
        return NodeName.tryParse(name).filter(this::contains).orElseThrow(() -> new IllegalArgumentException(
                "unknown node '" + name + "'; this cluster has " + nodes().stream().map(NodeName::toString)
                        .collect(Collectors.joining(", "))));
    }

    /** The host {@code node} listens on. */
    public String host(NodeName node) {
        return nodeHosts.getOrDefault(node.toString(), host);
    }

    /** The gRPC port: ControllerService on a controller, BrokerService on a broker. */
    public int rpcPort(NodeName node) {
        return portBase + (node.isController() ? 0 : 200) + node.id();
    }

    /** The Ratis port of a controller. */
    public int raftPort(NodeName node) {
        if (!node.isController()) {
            throw new IllegalArgumentException(node + " is not a controller and has no Raft port");
        }
        return portBase + 100 + node.id();
    }

    /** The port of a node's HTTP endpoint: {@code /metrics} and {@code /health/*} ({@code metrics.port}). */
    public int metricsPort(NodeName node) {
        return portBase + (node.isController() ? 400 : 300) + node.id();
    }

    /** Every port {@code node} listens on: gRPC, Raft (controllers) and HTTP. */
    public List<Integer> ports(NodeName node) {
        return node.isController() ? List.of(rpcPort(node), raftPort(node), metricsPort(node))
                : List.of(rpcPort(node), metricsPort(node));
    }

    public List<Endpoint> controllerEndpoints() {
        return nodes().stream().filter(NodeName::isController).map(node -> new Endpoint(host(node), rpcPort(node))).toList();
    }

    /** The BrokerService endpoints of every broker. */
    public List<Endpoint> brokerEndpoints() {
        return nodes().stream().filter(node -> !node.isController()).map(node -> new Endpoint(host(node), rpcPort(node))).toList();
    }

    /** {@code controller.quorum.voters}: {@code id@host:rpcPort:raftPort,...}. */
    public String quorumVoters() {
        return nodes().stream().filter(NodeName::isController)
                .map(node -> node.id() + "@" + host(node) + ":" + rpcPort(node) + ":" + raftPort(node))
                .collect(Collectors.joining(","));
    }

    /** {@code controller.bootstrap}: {@code host:rpcPort,...} of every controller. */
    public String controllerBootstrap() {
        return controllerEndpoints().stream().map(Endpoint::toString).collect(Collectors.joining(","));
    }

    /** One node as listed in {@code cluster.json}, for people and scripts reading it. */
    public record NodeEntry(String name, String role, int id, @JsonProperty("rpc_port") int rpcPort,
                            @JsonProperty("raft_port") Integer raftPort,
                            @JsonProperty("metrics_port") Integer metricsPort) {
    }
}
