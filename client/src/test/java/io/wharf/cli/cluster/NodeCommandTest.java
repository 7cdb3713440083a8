package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeCommandTest {

    @Test
    void startsTheMainClassWithItsPropertiesUnderSetsid() {
        NodeCommand command = new NodeCommand(Path.of("/jdk/bin/java"), List.of("-Xmx512m"),
                Optional.of(Path.of("/w/deploy/config/logback-node.xml")), "/w/lib/*", Optional.of(Path.of("/usr/bin/setsid")));
        NodePaths paths = NodePaths.of(Path.of("/w/.wharf"), NodeName.broker(2));

        assertEquals(List.of("/usr/bin/setsid", "/jdk/bin/java", "-Xmx512m", "-Dwharf.node=broker-2",
                "-Dwharf.node.config=/w/.wharf/broker-2/node.properties", "-Djava.io.tmpdir=/w/.wharf/broker-2/tmp", "-Dlogback.configurationFile=/w/deploy/config/logback-node.xml", "-cp", "/w/lib/*",
                "io.wharf.broker.BrokerMain", "--config", "/w/.wharf/broker-2/node.properties"),
                command.build(NodeName.broker(2), NodeRole.BROKER.mainClass(), paths));
    }

    @Test
    void withoutSetsidOrLoggingConfigTheJvmStartsDirectly() {
        NodeCommand command = new NodeCommand(Path.of("java"), List.of(), Optional.empty(), "cp", Optional.empty());
        NodePaths paths = NodePaths.of(Path.of("/b"), NodeName.controller(1));

        assertEquals(List.of("java", "-XX:TieredStopAtLevel=1", "-Dio.grpc.netty.shaded.io.netty.allocator.maxOrder=7",
                "-Dorg.apache.ratis.thirdparty.io.netty.allocator.maxOrder=7", "-Dwharf.node=controller-1",
                "-Dwharf.node.config=/b/controller-1/node.properties", "-Djava.io.tmpdir=/b/controller-1/tmp", "-cp", "cp",
                "io.wharf.controller.ControllerMain",
                "--config", "/b/controller-1/node.properties"),
                command.build(NodeName.controller(1), NodeRole.CONTROLLER.mainClass(), paths));
        assertEquals("-Dwharf.node.config=/b/controller-1/node.properties", NodeCommand.marker(paths));
    }

    @Test
    void controllersRunTheQuickCompilerOnlyAndBrokersTheTieredOne() {
        NodeCommand command = new NodeCommand(Path.of("java"), NodeCommand.DEFAULT_JVM_OPTIONS, Optional.empty(), "cp",
                Optional.empty());
        Path root = Path.of("/w/.wharf");

        List<String> controller = command.build(NodeName.controller(1), NodeRole.CONTROLLER.mainClass(),
                NodePaths.of(root, NodeName.controller(1)));
        List<String> broker = command.build(NodeName.broker(1), NodeRole.BROKER.mainClass(),
                NodePaths.of(root, NodeName.broker(1)));

        assertTrue(controller.contains("-XX:TieredStopAtLevel=1"), controller::toString);
        assertTrue(broker.stream().noneMatch(option -> option.startsWith("-XX:TieredStopAtLevel")), broker::toString);
    }
}
