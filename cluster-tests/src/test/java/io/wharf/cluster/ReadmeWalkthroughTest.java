package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wharf.cli.cluster.ClusterFile;
import io.wharf.cli.cluster.ClusterSpec;
import io.wharf.cli.cluster.ClusterTopology;
import io.wharf.cli.cluster.LocalCluster;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README is a test: every command of its walk-throughs runs as written, with bash from the
 * repository root, against the fresh local cluster its own {@code ./wharf cluster up} starts, each
 * within a time limit and with exit status 0; then a few outputs per section are checked against
 * what the README's comments promise. The cluster lives in this module's {@code target/} (through
 * {@code WHARF_CLUSTER_DIR}), not in a developer's {@code .wharf/}, but on the README's fixed ports
 * (17xxx), and is torn down even when the test fails. {@code ./wharf} runs the distribution this
 * build gathered in {@code deploy/target/lib} ({@code WHARF_NO_BUILD}: no build inside the build).
 *
 * <p>Conventions in the README: a block whose line before is {@code <!-- not a walk-through ... -->}
 * is not run; a {@code # ...} comment is a note for the reader; what would run in another terminal
 * runs in the background ({@code &}) and the block {@code wait}s for it, so every command ends by
 * itself.
 */
class ReadmeWalkthroughTest {

    private static final Path REPO = Path.of(System.getProperty("wharf.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Path CLUSTER_DIR = Path.of(System.getProperty("wharf.cluster.dir", "target/clusters"))
            .resolve("readme").toAbsolutePath().normalize();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern KILLED_CONTROLLER = Pattern.compile("controller-(\\d+) killed");
    private static final Pattern LEADER_ROW = Pattern.compile("(?m)^(\\d+)\\s+\\S+\\s+leader\\s");

    @BeforeEach
    void noClusterLeftFromAnEarlierRun() throws Exception {
        tearDown();
    }

    /**
     * Kills every node at once (a clean stop would add seconds and prove nothing here), waits until
     * they are gone and deletes the cluster's files.
     */
    @AfterEach
    void tearDown() throws Exception {
        Optional<ClusterTopology> topology = ClusterFile.read(CLUSTER_DIR);
        if (topology.isEmpty()) {
            return;
        }
        try (LocalCluster cluster = new LocalCluster(ClusterSpec.of(CLUSTER_DIR, topology.get(),
                System.getProperty("java.class.path"), Map.of()))) {
            List<CompletableFuture<ProcessHandle>> exits = topology.get().nodes().stream()
                    .flatMap(node -> cluster.killNoWait(node).stream()).map(ProcessHandle::onExit).toList();
            CompletableFuture.allOf(exits.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            cluster.deleteData();
        }
    }

    @Test
    void everyWalkthroughCommandRunsAsWrittenAndDoesWhatItsCommentsSay() throws IOException {
        assertTrue(Files.isDirectory(REPO.resolve("deploy/target/lib")),
                "./wharf runs deploy/target/lib, which this module's dependency on wharf-deploy builds first");
        assertTrue(onPath("jq"), "the README's walk-throughs use jq: install it (apt-get install jq; .ci/run does)");
        ReadmeWalkthroughs readme = ReadmeWalkthroughs.parse(Files.readString(REPO.resolve("README.md")));
        WalkthroughShell shell = new WalkthroughShell(REPO,
                Map.of("WHARF_CLUSTER_DIR", CLUSTER_DIR.toString(), "WHARF_NO_BUILD", "1"), COMMAND_TIMEOUT);

        List<WalkthroughShell.Outcome> outcomes = new ArrayList<>();
        Map<String, Duration> timePerSection = new LinkedHashMap<>();
        for (ReadmeWalkthroughs.Block block : readme.blocks()) {
            for (WalkthroughShell.Outcome outcome : shell.run(block.commands())) {
                outcomes.add(outcome);
                System.out.printf("%5.1f s  %s%n", outcome.elapsed().toMillis() / 1000.0,
                        outcome.command().lines().findFirst().orElse(""));
                timePerSection.merge(block.heading(), outcome.elapsed(), Duration::plus);
                assertEquals(0, outcome.exitCode(), () -> "`" + outcome.command() + "` under '" + block.heading()
                        + "' exited with " + outcome.exitCode() + ":\n" + outcome.output());
                // The CLI's own logging must be set up: without it SLF4J warns on every call that logs.
                assertFalse(outcome.output().contains("SLF4J("), () -> "`" + outcome.command()
                        + "` printed SLF4J's warnings:\n" + outcome.output());
            }
        }
        timePerSection.forEach((section, time) -> System.out.printf("%6.1f s  %s%n", time.toMillis() / 1000.0, section));
        Transcript transcript = new Transcript(outcomes);

        controllerFailure(transcript);
        produceAndConsume(transcript);
        compactedTopic(transcript);
        consumerGroups(transcript);
        queues(transcript);
        partitionFailover(transcript);
    }

    private static void controllerFailure(Transcript transcript) {
        assertTrue(transcript.output("./wharf cluster up ", 0).contains("healthy"));
        assertEquals(6, transcript.output("./wharf topics describe orders", 0).lines()
                .filter(line -> line.contains("Partition:")).count(), "orders has 6 partitions");
        Matcher killed = KILLED_CONTROLLER.matcher(transcript.output("./wharf cluster kill controller-$leader", 0));
        assertTrue(killed.find(), "the active controller was killed");
        String afterKill = transcript.outputAfter("./wharf cluster kill controller-$leader", "./wharf metadata ");
        Matcher newLeader = LEADER_ROW.matcher(afterKill);
        assertTrue(newLeader.find(), "a new controller leads after the kill:\n" + afterKill);
        assertFalse(newLeader.group(1).equals(killed.group(1)), "the new leader is another controller:\n" + afterKill);
    }

    private static void produceAndConsume(Transcript transcript) {
        assertEquals(1000, transcript.output("./wharf consume demo --from-beginning --max-messages 1000", 0).lines()
                .filter(line -> line.startsWith("line-")).count(), "the 1000 lines come back");
        String partition0 = transcript.output("./wharf consume demo --partition 0 --offset 10", 0);
        assertTrue(partition0.contains("\"offset\":10") && partition0.contains("\"offset\":11"), partition0);
    }

    private static void compactedTopic(Transcript transcript) {
        List<String> latest = transcript.output("./wharf consume prices", 0).lines()
                .filter(line -> line.matches("\\d+ \\w+=\\d+")).toList();
        assertTrue(latest.size() >= 3, "the compacted topic is read back:\n" + latest);
        List<String> lastRound = latest.subList(latest.size() - 3, latest.size()).stream()
                .map(line -> line.substring(line.indexOf(' ') + 1)).sorted().toList();
        assertEquals(List.of("apple=3", "pear=3", "plum=3"), lastRound, "every key ends with its latest value");
    }

    private static void consumerGroups(Transcript transcript) {
        List<String> settlement = transcript.output("--group settlement --from-beginning", 0).lines()
                .filter(line -> line.startsWith("click-")).sorted().toList();
        assertEquals(IntStream.rangeClosed(1, 60).mapToObj(i -> "click-" + i).sorted().toList(), settlement,
                "settlement bills every click once");
        assertTrue(transcript.output("--group analytics --from-beginning --max-messages 60", 0)
                .contains("Processed a total of 60 messages"));
        assertTrue(transcript.output("./wharf groups describe analytics", 0).contains("ad-clicks"));
        assertTrue(transcript.output("--group analytics --max-messages 60", 0)
                .contains("Processed a total of 60 messages"), "after the reset analytics reads all 60 again");
    }

    private static void queues(Transcript transcript) {
        String crashed = transcript.output("sleep 5; kill -9 $!", 0);
        assertTrue(crashed.contains("\"body\":\"photo-1\""), "the crashed worker held photo-1:\n" + crashed);
        String workers = transcript.output("for worker in 1 2;", 0);
        assertTrue(workers.matches("(?s).*\"redelivered\":true,\"delivery_count\":1,[^\\n]*\"body\":\"photo-1\".*"),
                "photo-1 comes back redelivered:\n" + workers);
        for (int photo = 1; photo <= 6; photo++) {
            assertTrue(workers.contains("\"body\":\"photo-" + photo + "\""), "photo-" + photo + " is done");
        }
        String dlqList = transcript.output("./wharf dlq list", 0);
        assertTrue(dlqList.matches("(?s).*pdfs\\.dlq\\s+1\\s.*") && dlqList.contains("rejected=1"), dlqList);
        assertTrue(transcript.output("./wharf dlq show pdfs.dlq", 0).contains("rejected"));
        assertTrue(transcript.output("./wharf dlq replay pdfs.dlq --reason rejected", 0).contains("Replayed 1 of 1"));
    }

    private static void partitionFailover(Transcript transcript) {
        String before = transcript.output("./wharf topics describe demo", 0);
        String after = transcript.output("./wharf topics describe demo", 1);
        assertTrue(before.contains("Leader: 2\t"), "broker 2 leads a partition of demo:\n" + before);
        assertFalse(after.contains("Leader: 2\t"), "no partition is led by the killed broker 2:\n" + after);
        assertEquals("2000", transcript.output("--max-messages 2000 | sort | uniq | wc -l", 0).lines()
                .map(String::strip).filter(line -> line.matches("\\d+")).findFirst().orElse(""),
                "every line written before and after the failover is read back once");
    }

    private static boolean onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    /** The outcomes of every walk-through command in order, looked up by a fragment of the command. Immutable. */
    private record Transcript(List<WalkthroughShell.Outcome> outcomes) {

        /** The output of the {@code nth} (from 0) command containing {@code fragment}. */
        String output(String fragment, int nth) {
            List<WalkthroughShell.Outcome> matching = outcomes.stream()
                    .filter(outcome -> outcome.command().contains(fragment)).toList();
            if (matching.size() <= nth) {
                fail("the README has " + matching.size() + " walk-through commands containing '" + fragment
                        + "', the test checks number " + (nth + 1));
            }
            return matching.get(nth).output();
        }

        /** The output of the first command containing {@code fragment} after the first containing {@code anchor}. */
        String outputAfter(String anchor, String fragment) {
            int start = IntStream.range(0, outcomes.size())
                    .filter(i -> outcomes.get(i).command().contains(anchor)).findFirst()
                    .orElseThrow(() -> new AssertionError("no walk-through command contains '" + anchor + "'"));
            return outcomes.subList(start + 1, outcomes.size()).stream()
                    .filter(outcome -> outcome.command().contains(fragment)).findFirst()
                    .orElseThrow(() -> new AssertionError("no command containing '" + fragment + "' after '" + anchor + "'"))
                    .output();
        }
    }
}
