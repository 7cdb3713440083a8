package io.wharf.cli.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to run a local cluster: where its files go, its topology, the classpath its
 * nodes run on, extra keys for the nodes' properties files, JVM options and the node logging
 * config. Immutable.
 *
 * @param baseDir the cluster directory (e.g. {@code .wharf/})
 * @param topology nodes and ports
 * @param classpath the classpath holding ControllerMain and BrokerMain
 * @param controllerProperties extra keys for every controller (override generated ones)
 * @param brokerProperties extra keys for every broker (override generated ones)
 * @param jvmOptions JVM flags for every node
 * @param logbackConfig the node logging config, used when the file exists
 * @param mainClasses the main class each role runs (default {@link NodeRole#mainClass()}; tests may
 *     substitute a stand-in)
 * @param launchPrefixes per node (by name), a command its JVM's command line is appended to, e.g.
 *     {@code ip netns exec <namespace>} for a test that gives each node a network of its own; the
 *     prefix must exec the command in the same process, so that the launched pid is the node's
 *     (none by default)
 */
public record ClusterSpec(Path baseDir, ClusterTopology topology, String classpath,
                          Map<String, String> controllerProperties, Map<String, String> brokerProperties,
                          List<String> jvmOptions, Optional<Path> logbackConfig, Map<NodeRole, String> mainClasses,
                          Map<String, List<String>> launchPrefixes) {

    /** A spec launching every node's JVM directly. */
    public ClusterSpec(Path baseDir, ClusterTopology topology, String classpath,
                       Map<String, String> controllerProperties, Map<String, String> brokerProperties,
                       List<String> jvmOptions, Optional<Path> logbackConfig, Map<NodeRole, String> mainClasses) {
        this(baseDir, topology, classpath, controllerProperties, brokerProperties, jvmOptions, logbackConfig,
                mainClasses, Map.of());
    }

    public ClusterSpec {
        baseDir = baseDir.toAbsolutePath().normalize();
        controllerProperties = Map.copyOf(controllerProperties);
        brokerProperties = Map.copyOf(brokerProperties);
        jvmOptions = List.copyOf(jvmOptions);
        mainClasses = Map.copyOf(mainClasses);
        launchPrefixes = Map.copyOf(launchPrefixes);
        for (String name : launchPrefixes.keySet()) {
            topology.node(name); // a prefix for a node this cluster does not have is a mistake
        }
        for (NodeRole role : NodeRole.values()) {
            if (!mainClasses.containsKey(role)) {
                throw new IllegalArgumentException("no main class for the " + role.prefix() + " role");
            }
        }
        if (classpath == null || classpath.isBlank()) {
            throw new IllegalArgumentException("the node classpath is empty; it must hold ControllerMain and BrokerMain");
        }
        classpath = absolute(classpath);
    }

    /** A cluster on the default JVM options, no logging config, and {@code extraProperties} for every node. */
    public static ClusterSpec of(Path baseDir, ClusterTopology topology, String classpath,
                                 Map<String, String> extraProperties) {
        return new ClusterSpec(baseDir, topology, classpath, extraProperties, extraProperties,
                NodeCommand.DEFAULT_JVM_OPTIONS, Optional.empty(),
                Map.of(NodeRole.CONTROLLER, NodeRole.CONTROLLER.mainClass(), NodeRole.BROKER, NodeRole.BROKER.mainClass()));
    }

    public ClusterSpec withLogbackConfig(Path config) {
        return new ClusterSpec(baseDir, topology, classpath, controllerProperties, brokerProperties, jvmOptions,
                Optional.of(config), mainClasses, launchPrefixes);
    }

    public ClusterSpec withJvmOptions(List<String> options) {
        return new ClusterSpec(baseDir, topology, classpath, controllerProperties, brokerProperties, options,
                logbackConfig, mainClasses, launchPrefixes);
    }

    /** The same cluster with {@code mainClass} run for every node of {@code role}. */
    public ClusterSpec withMainClass(NodeRole role, String mainClass) {
        Map<NodeRole, String> classes = new java.util.EnumMap<>(mainClasses);
        classes.put(role, mainClass);
        return new ClusterSpec(baseDir, topology, classpath, controllerProperties, brokerProperties, jvmOptions,
                logbackConfig, classes, launchPrefixes);
    }

    /** The same cluster with other extra properties for one role. */
    public ClusterSpec withProperties(NodeRole role, Map<String, String> properties) {
        return role == NodeRole.CONTROLLER
                ? new ClusterSpec(baseDir, topology, classpath, properties, brokerProperties, jvmOptions, logbackConfig,
                        mainClasses, launchPrefixes)
                : new ClusterSpec(baseDir, topology, classpath, controllerProperties, properties, jvmOptions,
                        logbackConfig, mainClasses, launchPrefixes);
    }

    /** The same cluster with each node's JVM launched behind its prefix in {@code prefixes} (by node name). */
    public ClusterSpec withLaunchPrefixes(Map<String, List<String>> prefixes) {
        return new ClusterSpec(baseDir, topology, classpath, controllerProperties, brokerProperties, jvmOptions,
                logbackConfig, mainClasses, prefixes);
    }

    /**
     * Makes every classpath entry absolute (a trailing {@code *} wildcard kept), since nodes run in
     * their own directories, not in the one the classpath was written for.
     */
    static String absolute(String classpath) {
        List<String> entries = new java.util.ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            boolean wildcard = entry.equals("*") || entry.endsWith(java.io.File.separator + "*");
            Path path = Path.of(wildcard ? entry.substring(0, entry.length() - 1) : entry).toAbsolutePath().normalize();
            entries.add(wildcard ? path.resolve("*").toString() : path.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** The command {@code node}'s JVM command line is appended to; empty for a direct launch. */
    List<String> launchPrefix(NodeName node) {
        return launchPrefixes.getOrDefault(node.toString(), List.of());
    }

    Map<String, String> extraProperties(NodeName node) {
        return node.isController() ? controllerProperties : brokerProperties;
    }
}
