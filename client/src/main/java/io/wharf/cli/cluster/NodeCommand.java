package io.wharf.cli.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command line that starts one node as its own JVM: under {@code setsid} when available, so
 * the node runs in a session of its own and a Ctrl-C in the terminal that started it does not reach
 * it. Immutable.
 *
 * @param javaBinary the {@code java} executable
 * @param jvmOptions heap and GC flags
 * @param logbackConfig the node logging config, when there is one
 * @param classpath the classpath holding the node's main class
 * @param setsid the {@code setsid} executable, when the OS has one
 */
public record NodeCommand(Path javaBinary, List<String> jvmOptions, Optional<Path> logbackConfig, String classpath,
                          Optional<Path> setsid) {

    /**
     * Heap and GC for a node on a small shared machine: a modest heap and a single-threaded
     * collector. Brokers keep the JVM's full tiered compiler: once warm, C2's code halves their
     * produce and queue latencies against C1 alone (decision 0007); controllers run C1 only
     * ({@link #CONTROLLER_JVM_OPTIONS}). The heap starts small and each of the two Netty copies in
     * a node (gRPC's, Ratis's) keeps one pooled arena instead of two per core, so an idle node
     * stays small (docs/decisions/node-memory.md). SLF4J is told its provider instead of looking
     * through every jar of the classpath for one, which took ~0.09 s of a node's start, and keeps
     * to itself that it was told (docs/decisions/node-logging.md).
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xms16m", "-Xmx512m", "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=1",
            "-Dio.grpc.netty.shaded.io.netty.allocator.numHeapArenas=1",
            "-Dorg.apache.ratis.thirdparty.io.netty.allocator.numDirectArenas=1",
            "-Dorg.apache.ratis.thirdparty.io.netty.allocator.numHeapArenas=1",
            "-Dslf4j.provider=io.wharf.logging.NodeLoggingProvider", "-Dslf4j.internal.verbosity=WARN");

    /**
     * A controller's extra flags: only the quick C1 compiler, because a restarted controller's C2
     * compilations take CPU from the survivors exactly during the next failover (decision 0007),
     * and both Netty copies pool direct memory in 1 MiB chunks instead of 4 MiB ones. A
     * controller's messages are small, and its idle resident memory sat at the 150 MiB target
     * with 14 MiB of direct buffers (12 MiB with these); a broker keeps the larger chunks for its
     * record batches (docs/decisions/node-memory.md).
     */
    public static final List<String> CONTROLLER_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1",
            "-Dio.grpc.netty.shaded.io.netty.allocator.maxOrder=7",
            "-Dorg.apache.ratis.thirdparty.io.netty.allocator.maxOrder=7");

    /**
     * Environment for a node's process: glibc's malloc otherwise keeps up to eight arenas per core
     * for a JVM's many threads, and an idle controller held ~12 MiB in fifteen of them where two
     * arenas hold ~3 MiB (docs/decisions/node-memory.md). A value already in the environment wins.
     */
    public static final Map<String, String> DEFAULT_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    public NodeCommand {
        jvmOptions = List.copyOf(jvmOptions);
    }

    /** The java of the running JVM with {@code setsid} if it is on the PATH; a missing logging config is left out. */
    public static NodeCommand forThisJvm(String classpath, List<String> jvmOptions, Optional<Path> logbackConfig) {
        return new NodeCommand(Path.of(System.getProperty("java.home"), "bin", "java"), jvmOptions,
                logbackConfig.filter(Files::isRegularFile), classpath, findOnPath("setsid"));
    }

    /** The command starting {@code node} with {@code mainClass} and its properties file. */
    public List<String> build(NodeName node, String mainClass, NodePaths paths) {
        return build(node, mainClass, paths, List.of());
    }

    /** The same, with {@code extraJvmOptions} (this launch's only, e.g. a class-data archive) after the others. */
    public List<String> build(NodeName node, String mainClass, NodePaths paths, List<String> extraJvmOptions) {
        List<String> command = new ArrayList<>();
        setsid.ifPresent(path -> command.add(path.toString()));
        command.add(javaBinary.toString());
        command.addAll(jvmOptions);
        if (node.isController()) {
            command.addAll(CONTROLLER_JVM_OPTIONS);
        }
        command.addAll(extraJvmOptions);
        command.add("-Dwharf.node=" + node);
        // The marker goes before the classpath: the OS may report only the first few KiB of a long
        // command line, and a test classpath easily fills them.
        command.add("-Dwharf.node.config=" + paths.properties());
        command.add("-Djava.io.tmpdir=" + paths.tmp());
        logbackConfig.ifPresent(path -> command.add("-Dlogback.configurationFile=" + path.toAbsolutePath()));
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.add("--config");
        command.add(paths.properties().toString());
        return List.copyOf(command);
    }

    /**
     * What a node's command line always contains, near its start, and an unrelated process's does
     * not: its own properties file.
     */
    public static String marker(NodePaths paths) {
        return "-Dwharf.node.config=" + paths.properties();
    }

    private static Optional<Path> findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
