package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.wharf.broker.BrokerConfig;
import io.wharf.broker.HostPort;
import io.wharf.controller.ControllerConfig;
import io.wharf.controller.QuorumVoter;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The files under {@code deploy/} agree with each other and with the nodes' configuration: the
 * Kubernetes manifests and the compose file give every node a configuration its parser accepts
 * (after the image's entry point adds node.id and advertised.host, as {@code wharf-node} does),
 * whose voter list names the controller pods or services on the ports they expose, whose data
 * directory is on the node's volume and whose HTTP port is the one the probes ask; and the
 * Grafana dashboard only queries metrics that {@code docs/metrics.md} documents.
 */
class DeployManifestsTest {

    private static final Path REPO = Path.of(System.getProperty("wharf.repo.dir", ".."));
    private static final Path DEPLOY = REPO.resolve("deploy");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String DATA_VOLUME_PATH = "/var/lib/wharf";
    /** Where the image's entry point reads each role's properties (deploy/container/wharf-node). */
    private static final String CONFIG_DIR = "/etc/wharf";

    // ---------------------------------------------------------------------------------- Kubernetes

    @Test
    void theControllerStatefulSetRunsTheQuorumItsVoterListNames() throws IOException {
        Map<String, JsonNode> objects = kubernetesObjects();
        JsonNode set = objects.get("StatefulSet/wharf-controller");
        JsonNode container = set.at("/spec/template/spec/containers/0");
        String service = set.at("/spec/serviceName").asText();
        int replicas = set.at("/spec/replicas").asInt();
        Map<String, Integer> ports = containerPorts(container);
        Properties shared = configMapProperties(objects, "controller.properties");

        assertEquals("Parallel", set.at("/spec/podManagementPolicy").asText(),
                "a controller is ready only with a quorum: ordered start would wait forever for the first");
        assertHeadlessServiceExposes(objects.get("Service/" + service), ports);
        assertEquals(3, replicas, "three voters");
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            ControllerConfig config = ControllerConfig.fromMap(with(shared, Map.of("node.id",
                    String.valueOf(ordinal + 1))));
            List<QuorumVoter> voters = config.voters();
            assertEquals(replicas, voters.size(), "one voter per controller pod");
            QuorumVoter self = config.self();
            assertEquals(set.at("/metadata/name").asText() + "-" + ordinal + "." + service, self.host(),
                    "pod " + ordinal + " is controller " + (ordinal + 1) + " under its stable DNS name");
            assertEquals(ports.get("rpc"), self.rpcPort());
            assertEquals(ports.get("raft"), self.raftPort());
            assertEquals(ports.get("http"), config.metricsPort(), "the probes ask the metrics port");
            assertOnVolume(config.dataDir(), container, "data");
        }
        assertProbes(container);
        assertConfigMounted(set, container);
        assertDisruptionBudgetKeepsAMajority(objects.get("PodDisruptionBudget/wharf-controller"), set);
    }

    @Test
    void theBrokerStatefulSetRegistersUnderItsPodNamesAndFindsTheControllers() throws IOException {
        Map<String, JsonNode> objects = kubernetesObjects();
        JsonNode set = objects.get("StatefulSet/wharf-broker");
        JsonNode container = set.at("/spec/template/spec/containers/0");
        String service = set.at("/spec/serviceName").asText();
        Map<String, Integer> ports = containerPorts(container);
        Properties shared = configMapProperties(objects, "broker.properties");
        List<QuorumVoter> voters = ControllerConfig.fromMap(with(configMapProperties(objects, "controller.properties"),
                Map.of("node.id", "1"))).voters();

        assertHeadlessServiceExposes(objects.get("Service/" + service), ports);
        assertEquals("$(POD_NAME)." + service, env(container).get("WHARF_ADVERTISED_HOST"),
                "each broker advertises its stable DNS name");
        for (int ordinal = 0; ordinal < set.at("/spec/replicas").asInt(); ordinal++) {
            String pod = set.at("/metadata/name").asText() + "-" + ordinal;
            BrokerConfig config = BrokerConfig.from(with(shared, Map.of("node.id", String.valueOf(ordinal + 1),
                    "advertised.host", pod + "." + service)));
            assertEquals(ports.get("rpc"), config.rpcPort());
            assertEquals(ports.get("http"), config.metricsPort(), "the probes ask the metrics port");
            assertEquals(voters.stream().map(QuorumVoter::rpcAddress).collect(Collectors.toSet()),
                    config.controllerBootstrap().stream().map(h -> h.host() + ":" + h.port())
                            .collect(Collectors.toSet()),
                    "the brokers bootstrap from every voter's ControllerService");
            assertOnVolume(config.dataDir(), container, "data");
        }
        assertProbes(container);
        assertConfigMounted(set, container);
        assertDisruptionBudgetKeepsAMajority(objects.get("PodDisruptionBudget/wharf-broker"), set);
    }

    // ------------------------------------------------------------------------------------- compose

    @Test
    void theComposeServicesAreTheVotersAndBrokersTheirConfigurationNames() throws IOException {
        JsonNode services = YAML.readTree(DEPLOY.resolve("compose/compose.yaml").toFile()).get("services");
        Properties controllerShared = properties(Files.readString(DEPLOY.resolve("compose/controller.properties")));
        Properties brokerShared = properties(Files.readString(DEPLOY.resolve("compose/broker.properties")));
        Map<Integer, String> controllerHosts = new HashMap<>();
        List<String> brokerHosts = new ArrayList<>();
        List<QuorumVoter> voters = null;
        for (var field : iterable(services.fields())) {
            JsonNode service = field.getValue();
            String role = service.at("/command/0").asText();
            Map<String, String> env = new HashMap<>();
            service.get("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            String host = service.get("hostname").asText();
            assertEquals(field.getKey(), host, "a service's host name is its service name");
            assertTrue(volumeTargets(service).contains(DATA_VOLUME_PATH), field.getKey() + " keeps its data on a volume");
            if (role.equals("controller")) {
                ControllerConfig config = ControllerConfig.fromMap(with(controllerShared,
                        Map.of("node.id", env.get("WHARF_NODE_ID"))));
                voters = config.voters();
                assertEquals(host, config.self().host(), "controller " + config.nodeId() + " is service " + host);
                assertTrue(config.dataDir().startsWith(DATA_VOLUME_PATH));
                controllerHosts.put(config.nodeId(), host);
            } else {
                assertEquals("broker", role, field.getKey());
                BrokerConfig config = BrokerConfig.from(with(brokerShared, Map.of("node.id", env.get("WHARF_NODE_ID"),
                        "advertised.host", env.get("WHARF_ADVERTISED_HOST"))));
                assertEquals(host, config.advertisedHost());
                assertTrue(config.dataDir().startsWith(DATA_VOLUME_PATH));
                Set<String> bootstrap = new TreeSet<>();
                for (HostPort controller : config.controllerBootstrap()) {
                    bootstrap.add(controller.host() + ":" + controller.port());
                }
                assertEquals(Set.of("controller-1:9093", "controller-2:9093", "controller-3:9093"), bootstrap);
                brokerHosts.add(host);
            }
        }
        assertEquals(3, controllerHosts.size());
        assertEquals(3, brokerHosts.size());
        assertEquals(controllerHosts, voters.stream().collect(Collectors.toMap(QuorumVoter::id, QuorumVoter::host)),
                "the voter list names each controller service under its WHARF_NODE_ID");
    }

    // ------------------------------------------------------------------------------------- Grafana

    @Test
    void theDashboardQueriesOnlyDocumentedMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/wharf-dashboard.json").toFile());
        String documented = Files.readString(REPO.resolve("docs/metrics.md"));
        Pattern metric = Pattern.compile("\\b((?:wharf|jvm|process)_[a-z_]+?)(?:_bucket|_sum|_count)?\\b");
        Set<String> queried = new TreeSet<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertTrue(ids.add(panel.get("id").asInt()), "panel ids are unique: " + panel.get("id"));
            for (JsonNode target : panel.path("targets")) {
                Matcher m = metric.matcher(target.get("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertTrue(queried.size() > 20, "the dashboard covers controllers, brokers, queues and JVMs: " + queried);
        List<String> undocumented = queried.stream()
                .filter(name -> !documented.contains("`" + name + "`") && !isJvmFamilyDocumented(name, documented))
                .toList();
        assertEquals(List.of(), undocumented, "metrics the dashboard queries but docs/metrics.md does not list");
    }

    /** docs/metrics.md names the JVM families by prefix ({@code jvm_memory_*}) or by their base name. */
    private static boolean isJvmFamilyDocumented(String name, String documented) {
        if (!name.startsWith("jvm_") && !name.startsWith("process_")) {
            return false;
        }
        String[] parts = name.split("_");
        return documented.contains("`" + parts[0] + "_" + parts[1] + "_*`")
                || documented.contains("`" + name + "`");
    }

    // ------------------------------------------------------------------------------------- helpers

    private static Map<String, JsonNode> kubernetesObjects() throws IOException {
        Map<String, JsonNode> objects = new HashMap<>();
        try (var documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(
                DEPLOY.resolve("kubernetes/wharf.yaml").toFile())) {
            while (documents.hasNext()) {
                JsonNode object = documents.next();
                String key = object.get("kind").asText() + "/" + object.at("/metadata/name").asText();
                assertFalse(objects.containsKey(key), "declared twice: " + key);
                objects.put(key, object);
            }
        }
        return objects;
    }

    private static Properties configMapProperties(Map<String, JsonNode> objects, String key) throws IOException {
        JsonNode data = objects.get("ConfigMap/wharf-config").get("data");
        assertTrue(data.has(key), "wharf-config holds " + key);
        return properties(data.get(key).asText());
    }

    private static Properties properties(String text) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        return properties;
    }

    /** The shared properties plus what the entry point sets for one node. */
    private static Map<String, String> with(Properties shared, Map<String, String> perNode) {
        Map<String, String> values = new HashMap<>();
        shared.stringPropertyNames().forEach(name -> values.put(name, shared.getProperty(name)));
        values.putAll(perNode);
        return values;
    }

    private static Map<String, Integer> containerPorts(JsonNode container) {
        Map<String, Integer> ports = new HashMap<>();
        for (JsonNode port : container.get("ports")) {
            ports.put(port.get("name").asText(), port.get("containerPort").asInt());
        }
        return ports;
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        for (JsonNode variable : container.path("env")) {
            env.put(variable.get("name").asText(), variable.path("value").asText(null));
        }
        return env;
    }

    private static void assertHeadlessServiceExposes(JsonNode service, Map<String, Integer> containerPorts) {
        assertEquals("None", service.at("/spec/clusterIP").asText(), "headless: one DNS name per pod");
        assertTrue(service.at("/spec/publishNotReadyAddresses").asBoolean(),
                "peers need each other's names before any of them is ready");
        for (JsonNode port : service.at("/spec/ports")) {
            String target = port.get("targetPort").asText();
            assertTrue(containerPorts.containsKey(target), "service port " + port + " targets a container port");
            assertEquals(containerPorts.get(target), port.get("port").asInt(), "same number inside and out: " + port);
        }
        assertEquals(containerPorts.keySet(), names(service.at("/spec/ports")), "every container port is on the service");
    }

    private static Set<String> names(JsonNode ports) {
        Set<String> names = new HashSet<>();
        ports.forEach(port -> names.add(port.get("name").asText()));
        return names;
    }

    private static void assertProbes(JsonNode container) {
        assertEquals("/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("http", container.at("/readinessProbe/httpGet/port").asText());
        assertEquals("/health/live", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("http", container.at("/livenessProbe/httpGet/port").asText());
    }

    private static void assertOnVolume(Path dataDir, JsonNode container, String claim) {
        for (JsonNode mount : container.get("volumeMounts")) {
            if (mount.get("name").asText().equals(claim)) {
                assertTrue(dataDir.startsWith(mount.get("mountPath").asText()),
                        "data.dir " + dataDir + " is on the " + claim + " volume at " + mount.get("mountPath"));
                return;
            }
        }
        throw new AssertionError("no mount of volume " + claim + " in " + container.get("name"));
    }

    private static void assertConfigMounted(JsonNode set, JsonNode container) {
        boolean mounted = false;
        for (JsonNode mount : container.get("volumeMounts")) {
            mounted |= mount.get("mountPath").asText().equals(CONFIG_DIR);
        }
        assertTrue(mounted, "the config map is where the entry point reads it: " + CONFIG_DIR);
        assertTrue(set.at("/spec/volumeClaimTemplates").findValuesAsText("name").contains("data"),
                "each pod gets its own persistent volume");
    }

    private static void assertDisruptionBudgetKeepsAMajority(JsonNode budget, JsonNode set) {
        assertEquals(1, budget.at("/spec/maxUnavailable").asInt(), "at most one pod of three away at a time");
        JsonNode labels = set.at("/spec/template/metadata/labels");
        budget.at("/spec/selector/matchLabels").fields().forEachRemaining(label ->
                assertEquals(label.getValue().asText(), labels.path(label.getKey()).asText(),
                        "the budget selects the StatefulSet's pods: " + label.getKey()));
    }

    private static Set<String> volumeTargets(JsonNode service) {
        Set<String> targets = new HashSet<>();
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            targets.add(parts[1]);
        }
        return targets;
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        return () -> iterator;
    }
}
