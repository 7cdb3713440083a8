package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.cli.cluster.ClusterFile;
import io.wharf.cli.cluster.ClusterTopology;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the CLI: exit code 2 (or 1 for a missing cluster) and one line saying what to fix. */
class WharfCliArgumentsTest {

    @TempDir
    Path clusterDir;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void streams() {
        out = new StringWriter();
        err = new StringWriter();
    }

    private int run(String... args) {
        CliEnvironment env = new CliEnvironment(clusterDir, Optional.empty(), "unused-classpath",
                new PrintWriter(out, true), new PrintWriter(err, true));
        return WharfCli.execute(env, args);
    }

    private void assertOneLineError(int expectedExit, int exit, String fragment) {
        assertEquals(expectedExit, exit, err.toString());
        String message = err.toString();
        assertEquals(1, message.lines().count(), "one line: " + message);
        assertTrue(message.startsWith("wharf: "), message);
        assertTrue(message.contains(fragment), message);
    }

    @Test
    void unknownNodeInClusterKillListsTheNodes() {
        ClusterFile.write(clusterDir, ClusterTopology.local(3, 3));

        assertOneLineError(2, run("cluster", "kill", "broker-7"), "unknown node 'broker-7'; this cluster has controller-1, "
                + "controller-2, controller-3, broker-1, broker-2, broker-3");
        assertEquals("", out.toString());
    }

    @Test
    void clusterUpRefusesATopologyKeyAsNodeConfigAndWritesNothing() {
        assertOneLineError(2, run("cluster", "up", "--broker-config", "rpc.port=9092"),
                "--broker-config rpc.port: the local cluster sets rpc.port from its topology");
        streams();
        assertOneLineError(2, run("cluster", "up", "--controller-config", "node.id=7"),
                "--controller-config node.id: the local cluster sets node.id from its topology");
        assertTrue(ClusterFile.read(clusterDir).isEmpty(), "no cluster was written");
    }

    @Test
    void jsonModeAlsoPrintsTheErrorAsAnObject() throws Exception {
        ClusterFile.write(clusterDir, ClusterTopology.local(3, 3));

        assertEquals(2, run("cluster", "stop", "node-1", "--json"));
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals("INVALID_ARGUMENT", json.get("error").get("code").asText());
        assertTrue(json.get("error").get("message").asText().contains("unknown node 'node-1'"));
    }

    @Test
    void clusterCommandsWithoutAClusterSayHowToStartOne() {
        assertOneLineError(1, run("cluster", "status"), "no local cluster in " + clusterDir + "; start one with: wharf cluster up");
    }

    @Test
    void countsOutOfRangeAreRejectedBeforeAnythingStarts() {
        assertOneLineError(2, run("cluster", "up", "--controllers", "0"), "--controllers must be between 1 and 9, got 0");
        streams();
        assertOneLineError(2, run("cluster", "up", "--brokers", "12"), "--brokers must be between 0 and 9, got 12");
        streams();
        assertOneLineError(2, run("cluster", "failover", "--trials", "0"), "--trials must be between 1 and 100, got 0");
        assertTrue(ClusterFile.read(clusterDir).isEmpty(), "nothing was set up");
    }

    @Test
    void topicsCreateNeedsWellFormedOptions() {
        assertOneLineError(2, run("topics", "create", "orders"), "Missing required options");
        streams();
        assertOneLineError(2, run("topics", "create", "orders", "--partitions", "six", "--replication-factor", "3"),
                "'six' is not an int");
        streams();
        assertOneLineError(2, run("topics", "create", "orders", "--partitions", "6", "--replication-factor", "3",
                "--config", "retention.ms"), "KEY=VALUE");
    }

    @Test
    void malformedBootstrapNamesTheBadEntry() {
        assertOneLineError(2, run("metadata", "--bootstrap", "127.0.0.1:17001,nohost"), "'nohost' is not host:port");
    }

    @Test
    void unreachableControllersFailAfterTheTimeoutWithAHint() {
        assertOneLineError(1, run("topics", "list", "--bootstrap", "127.0.0.1:1", "--timeout", "1"),
                "CONTROLLER_UNAVAILABLE: ListTopics did not succeed within 1000 ms");
        assertTrue(err.toString().contains("is the cluster running?"), err.toString());
        streams();
        assertOneLineError(2, run("topics", "list", "--timeout", "0"), "--timeout must be between 1 and 3600 seconds, got 0");
    }

    @Test
    void missingOrUnknownCommandIsUsageError() {
        assertOneLineError(2, run(), "name a command: cluster, metadata, topics, produce, consume, groups, "
                + "exchanges, queues, bind, unbind, publish, subscribe, dlq or bench");
        streams();
        assertOneLineError(2, run("cluster"), "name a subcommand");
        streams();
        assertOneLineError(2, run("topics", "rename"), "Unmatched argument");
    }

    @Test
    void everySubcommandAnswersHelp() {
        assertEquals(0, run("produce", "--help"));
        assertTrue(out.toString().contains("Usage: wharf produce"), out.toString());
        assertEquals(0, run("bench", "consume", "--help"));
        assertEquals(0, run("topics", "create", "--help"));
        for (String[] command : new String[][] {{"exchanges", "declare"}, {"queues", "describe"}, {"bind"}, {"unbind"},
                {"publish"}, {"subscribe"}, {"bench", "queue"}}) {
            String[] withHelp = java.util.Arrays.copyOf(command, command.length + 1);
            withHelp[command.length] = "--help";
            assertEquals(0, run(withHelp), String.join(" ", command));
        }
    }

    @Test
    void aCallNamingOneCommandBuildsOnlyThatOneAndHelpStillListsThemAll() {
        assertEquals(List.of(io.wharf.cli.command.MetadataCommand.class), WharfCli.commandsFor("metadata", "--json"));
        assertEquals(List.of(io.wharf.cli.command.TopicsCommand.class), WharfCli.commandsFor("topics", "list"));
        assertEquals(14, WharfCli.commandsFor("--help").size());
        assertEquals(14, WharfCli.commandsFor("tpoics", "list").size());
        for (Class<?> command : WharfCli.commandsFor()) {
            String name = command.getAnnotation(picocli.CommandLine.Command.class).name();
            assertEquals(List.of(command), WharfCli.commandsFor(name, "--help"), name);
        }

        assertEquals(0, run("--help"));
        for (String command : List.of("cluster", "metadata", "topics", "produce", "consume", "groups", "exchanges",
                "queues", "bind", "unbind", "publish", "subscribe", "dlq", "bench")) {
            assertTrue(out.toString().contains("  " + command + " "), command + " in\n" + out);
        }
        streams();
        assertOneLineError(2, run("tpoics", "list"), "Unmatched arguments from index 0: 'tpoics', 'list'");
        streams();
        assertEquals(0, run("metadata", "--version"), "an option inherited from the root works on a lone command");
        assertTrue(out.toString().contains("wharf 0.1.0-SNAPSHOT"), out.toString());
    }

    @Test
    void onlyTheBenchmarksRunOnNettyEveryOtherCallOnTheQuickerStartingTransport() {
        for (String[] args : new String[][] {{"bench", "produce", "--topic", "t"}, {"bench", "queue", "--queue", "q"}}) {
            try (io.wharf.client.ClientTransport transport = WharfCli.transportFor(args)) {
                assertTrue(transport instanceof io.wharf.client.NettyTransport, String.join(" ", args));
            }
        }
        for (String[] args : new String[][] {{"metadata"}, {"consume", "demo", "--partition", "0"}, {"--help"}, {}}) {
            try (io.wharf.client.ClientTransport transport = WharfCli.transportFor(args)) {
                assertTrue(transport instanceof io.wharf.client.OkHttpTransport, String.join(" ", args));
            }
        }
    }
}
