package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.admin.NewTopic;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.TakesScreenshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console in a real headless browser (Debian's chromium, driven through its chromedriver
 * by Selenium): three controllers and three brokers as processes, the console of broker 1 open on a
 * six-partition topic, then another broker killed with SIGKILL. The page, updated only by its event
 * stream, must show that broker fenced, a new leader for each partition it led, and a timeline
 * entry with a duration for each. A screenshot of the page after the failover is saved under
 * {@code target/console/}. Skipped where chromium or chromedriver is not installed.
 */
class ConsoleBrowserTest {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleBrowserTest.class);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String TOPIC = "orders";
    private static final int PARTITIONS = 6;
    private static final int PAGE_BROKER = 1;
    private static final Path SCREENSHOT = Path.of("target", "console", "console-failover.png");

    private ProcessCluster cluster;
    private ChromeDriverService driverService;
    private WebDriver browser;

    @BeforeEach
    void start() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the console browser test needs Debian's chromium and chromium-driver packages ("
                        + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install chromium chromium-driver");
        cluster = ProcessCluster.start("console", 29400, 3, 3);
        // The installed driver, named here, so that Selenium Manager never looks for (or downloads) one.
        driverService = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100");
        browser = new ChromeDriver(driverService, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (driverService != null) {
            driverService.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void thePageShowsAKilledBrokerFencedAndItsPartitionsNewLeadersWithTheFailoverTimed() throws IOException {
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, 3, Map.of())))
                .get(0).succeeded());
        int port = cluster.launcher().topology().metricsPort(cluster.broker(PAGE_BROKER));
        browser.get("http://127.0.0.1:" + port + "/console/");

        await("the page shows every partition with a leader").atMost(Duration.ofSeconds(15))
                .until(() -> pageLeaders().size() == PARTITIONS && !pageLeaders().containsValue(-1));
        assertTrue(browser.findElement(By.id("connection")).getText().contains("live"));
        Map<Integer, Integer> before = pageLeaders();
        int victim = before.values().stream().filter(leader -> leader != PAGE_BROKER).findFirst().orElseThrow(
                () -> new AssertionError("placement left broker " + PAGE_BROKER + " leading everything: " + before));
        List<Integer> victimsPartitions = before.entrySet().stream().filter(e -> e.getValue() == victim)
                .map(Map.Entry::getKey).toList();

        long killedAt = System.nanoTime();
        assertTrue(cluster.launcher().kill(cluster.broker(victim)), "broker-" + victim + " was running");

        await("the page shows broker " + victim + " fenced, new leaders and the failovers timed")
                .atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() ->
                        brokerState(victim).equals("fenced")
                                && victimsPartitions.stream().allMatch(p -> {
                                    int leader = pageLeaders().getOrDefault(p, -1);
                                    return leader >= 0 && leader != victim;
                                })
                                && victimsPartitions.stream().allMatch(p -> timedFailover(victim, p)));
        LOG.info("The console showed broker {} fenced and {} partitions led elsewhere {} ms after the kill",
                victim, victimsPartitions.size(), Duration.ofNanos(System.nanoTime() - killedAt).toMillis());
        assertFalse(pageLeaders().containsValue(victim));

        Files.createDirectories(SCREENSHOT.getParent());
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
        LOG.info("Console screenshot saved to {}", SCREENSHOT.toAbsolutePath());
    }

    // The page renders each pushed snapshot afresh, so elements found in one call may be gone in the
    // next: each read below is one script, which sees one rendering.

    /** Leader by partition of {@link #TOPIC}, as the page's partition rows show it. */
    private Map<Integer, Integer> pageLeaders() {
        Map<Integer, Integer> leaders = new TreeMap<>();
        List<?> rows = (List<?>) script().executeScript("return Array.from(document.querySelectorAll("
                + "\"tr[data-topic='" + TOPIC + "'][data-partition]\")).map(r => [r.dataset.partition, r.dataset.leader]);");
        for (Object row : rows) {
            List<?> cells = (List<?>) row;
            leaders.put(Integer.parseInt((String) cells.get(0)), Integer.parseInt((String) cells.get(1)));
        }
        return leaders;
    }

    private String brokerState(int broker) {
        Object state = script().executeScript("const row = document.querySelector(\"tr[data-broker='" + broker
                + "']\"); return row ? row.dataset.state : '';");
        return (String) state;
    }

    /** True when the timeline lists the partition's move away from {@code previousLeader} with a duration shown. */
    private boolean timedFailover(int previousLeader, int partition) {
        return (Boolean) script().executeScript("return Array.from(document.querySelectorAll(\"#timeline li[data-topic='"
                + TOPIC + "'][data-partition='" + partition + "'][data-previous-leader='" + previousLeader + "']\"))"
                + ".some(item => item.dataset.durationMs !== undefined"
                + " && item.querySelector('.duration').textContent.trim() !== '');");
    }

    private JavascriptExecutor script() {
        return (JavascriptExecutor) browser;
    }
}
