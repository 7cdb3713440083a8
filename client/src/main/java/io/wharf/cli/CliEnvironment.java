package io.wharf.cli;

import io.wharf.cli.cluster.ClusterFile;
import io.wharf.cli.cluster.ClusterTopology;
import io.wharf.cli.cluster.NodeClassArchives;
import io.grpc.ManagedChannel;
import io.wharf.client.ClientTransport;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the CLI runs: the local-cluster directory, the Wharf checkout (when launched by
 * {@code ./wharf}), the classpath nodes are started on, the output streams and the channels clients
 * use. Immutable (the writers and the transport are shared, not owned).
 *
 * @param clusterDir the local cluster's directory ({@code <checkout>/.wharf})
 * @param home the Wharf checkout, from the {@code wharf.home} system property
 * @param classpath the classpath for node JVMs
 * @param out where results go
 * @param err where errors go
 * @param in where {@code wharf produce} reads records from
 * @param channels the gRPC channels every client of the call uses: on the CLI process's own
 *     {@link ClientTransport}, which {@link WharfCli#main} stops before exiting
 */
public record CliEnvironment(Path clusterDir, Optional<Path> home, String classpath, PrintWriter out,
                             PrintWriter err, InputStream in, Function<Endpoint, ManagedChannel> channels) {

    /** With gRPC's shared channels (an embedding such as a test, whose process outlives the call). */
    public CliEnvironment(Path clusterDir, Optional<Path> home, String classpath, PrintWriter out, PrintWriter err,
                          InputStream in) {
        this(clusterDir, home, classpath, out, err, in, EndpointChannels.plaintext());
    }

    /** With the process's standard input and gRPC's shared channels. */
    public CliEnvironment(Path clusterDir, Optional<Path> home, String classpath, PrintWriter out, PrintWriter err) {
        this(clusterDir, home, classpath, out, err, System.in);
    }

    /** Controllers tried when no --bootstrap is given and no local cluster is described. */
    public static final List<Endpoint> DEFAULT_CONTROLLERS = List.of(
            new Endpoint("127.0.0.1", 17001), new Endpoint("127.0.0.1", 17002), new Endpoint("127.0.0.1", 17003));

    /** Brokers tried when no --bootstrap is given and no local cluster is described. */
    public static final List<Endpoint> DEFAULT_BROKERS = List.of(
            new Endpoint("127.0.0.1", 17201), new Endpoint("127.0.0.1", 17202), new Endpoint("127.0.0.1", 17203));

    /**
     * The classpath nodes are started on, when it is not this JVM's: {@code ./wharf} runs the CLI on
     * {@code deploy/target/wharf-cli.jar} and names the whole {@code deploy/target/lib} here.
     */
    public static final String NODE_CLASSPATH_PROPERTY = "wharf.node.classpath";

    /**
     * From system properties: {@code wharf.home} (set by {@code ./wharf}),
     * {@code wharf.cluster.dir} (default {@code <wharf.home>/.wharf}, else {@code ./.wharf}) and
     * {@link #NODE_CLASSPATH_PROPERTY} (default this JVM's classpath), with the process's standard
     * input and channels on {@code transport}.
     */
    public static CliEnvironment fromSystem(PrintWriter out, PrintWriter err, ClientTransport transport) {
        Optional<Path> home = Optional.ofNullable(System.getProperty("wharf.home")).map(Path::of);
        Path clusterDir = Optional.ofNullable(System.getProperty("wharf.cluster.dir")).map(Path::of)
                .orElseGet(() -> home.orElse(Path.of("")).resolve(".wharf"));
        String nodeClasspath = System.getProperty(NODE_CLASSPATH_PROPERTY, System.getProperty("java.class.path"));
        return new CliEnvironment(clusterDir.toAbsolutePath().normalize(), home, nodeClasspath, out, err, System.in,
                transport.plaintextChannels());
    }

    /**
     * A logback configuration replacing the nodes' built-in logging ({@code io.wharf.logging.NodeLogging}),
     * when the user has put one at {@code deploy/config/logback-node.xml} in the checkout.
     */
    public Optional<Path> nodeLogbackConfig() {
        return home.map(dir -> dir.resolve("deploy").resolve("config").resolve("logback-node.xml"))
                .filter(Files::isRegularFile);
    }

    /**
     * Class-data sharing archives for the local cluster's nodes, kept in the checkout's
     * {@code deploy/target} next to the CLI's; none outside a checkout, for a classpath other than
     * {@code ./wharf}'s, or when the {@code WHARF_NO_CDS} environment variable is set.
     */
    public Optional<NodeClassArchives> nodeClassArchives() {
        if (System.getenv("WHARF_NO_CDS") != null) {
            return Optional.empty();
        }
        return home.map(dir -> dir.resolve("deploy").resolve("target")).filter(Files::isDirectory)
                .flatMap(dir -> NodeClassArchives.forClasspath(classpath, dir));
    }

    /** The local cluster's controllers when one is described in {@link #clusterDir()}, else the default ports. */
    public List<Endpoint> defaultControllers() {
        return ClusterFile.read(clusterDir).map(topology -> topology.controllerEndpoints()).orElse(DEFAULT_CONTROLLERS);
    }

    /** The local cluster's brokers when one is described (and has brokers), else the default ports. */
    public List<Endpoint> defaultBrokers() {
        return ClusterFile.read(clusterDir).map(ClusterTopology::brokerEndpoints).filter(list -> !list.isEmpty())
                .orElse(DEFAULT_BROKERS);
    }
}
