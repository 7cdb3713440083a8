package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.AllocateProducerIdsCommand;
import io.wharf.proto.metadata.AlterPartitionCommand;
import io.wharf.proto.metadata.AlterTopicConfigsCommand;
import io.wharf.proto.metadata.BindCommand;
import io.wharf.proto.metadata.ControlledShutdownCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.metadata.DeleteExchangeCommand;
import io.wharf.proto.metadata.DeleteQueueCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.proto.metadata.ElectPreferredLeadersCommand;
import io.wharf.proto.metadata.FenceBrokerCommand;
import io.wharf.proto.metadata.PartitionRef;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.proto.metadata.UnbindCommand;
import io.wharf.proto.metadata.UnfenceBrokerCommand;
import java.util.List;
import java.util.Map;

/** Builders for controller commands in tests. */
final class Commands {

    private Commands() {
    }

    static TopicSpec spec(String name, int partitions, int replicationFactor) {
        return spec(name, partitions, replicationFactor, Map.of());
    }

    static TopicSpec spec(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        return TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                .setReplicationFactor(replicationFactor).putAllConfigs(configs).build();
    }

    static ControllerCommand createTopics(TopicSpec... specs) {
        return ControllerCommand.newBuilder()
                .setCreateTopics(CreateTopicsCommand.newBuilder().addAllTopics(List.of(specs))).build();
    }

    static ControllerCommand createTopic(String name, int partitions, int replicationFactor) {
        return createTopics(spec(name, partitions, replicationFactor));
    }

    static ControllerCommand deleteTopics(String... names) {
        return ControllerCommand.newBuilder()
                .setDeleteTopics(DeleteTopicsCommand.newBuilder().addAllNames(List.of(names))).build();
    }

    static ControllerCommand register(int id) {
        return register(id, "127.0.0.1", 17200 + id);
    }

    static ControllerCommand register(int id, String host, int port) {
        return ControllerCommand.newBuilder().setRegisterBroker(RegisterBrokerCommand.newBuilder()
                .setBrokerId(id).setHost(host).setPort(port).setRack("")).build();
    }

    /** A registration by the broker process {@code incarnation}, as a controller receives it. */
    static ControllerCommand register(int id, String incarnation) {
        return ControllerCommand.newBuilder().setRegisterBroker(RegisterBrokerCommand.newBuilder()
                .setBrokerId(id).setHost("127.0.0.1").setPort(17200 + id).setRack("")
                .setIncarnationId(incarnation)).build();
    }

    /** {@link #register(int, String)} stamped with the offset the receiving controller had applied. */
    static ControllerCommand register(int id, String incarnation, long receivedAtOffset) {
        ControllerCommand command = register(id, incarnation);
        return command.toBuilder().setRegisterBroker(command.getRegisterBroker().toBuilder()
                .setReceivedAtOffset(receivedAtOffset)).build();
    }

    static ControllerCommand fence(int id, long epoch) {
        return ControllerCommand.newBuilder()
                .setFenceBroker(FenceBrokerCommand.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    /** A fence as an active controller decides it, stamped with its term. */
    static ControllerCommand fence(int id, long epoch, long decidedInTerm) {
        return ControllerCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch).setDecidedInTerm(decidedInTerm)).build();
    }

    static ControllerCommand unfence(int id, long epoch) {
        return ControllerCommand.newBuilder()
                .setUnfenceBroker(UnfenceBrokerCommand.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    static ControllerCommand controlledShutdown(int id, long epoch) {
        return ControllerCommand.newBuilder().setControlledShutdown(
                ControlledShutdownCommand.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    static ControllerCommand alterPartition(int broker, long brokerEpoch, String topic, int partition,
                                            int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        return ControllerCommand.newBuilder().setAlterPartition(AlterPartitionCommand.newBuilder()
                .setBrokerId(broker).setBrokerEpoch(brokerEpoch).setTopic(topic).setPartition(partition)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).addAllNewIsr(newIsr)).build();
    }

    static ControllerCommand allocateProducerIds(int broker, long brokerEpoch) {
        return ControllerCommand.newBuilder().setAllocateProducerIds(AllocateProducerIdsCommand.newBuilder()
                .setBrokerId(broker).setBrokerEpoch(brokerEpoch)).build();
    }

    static ControllerCommand electPreferredLeaders(PartitionRef... partitions) {
        return ControllerCommand.newBuilder().setElectPreferredLeaders(ElectPreferredLeadersCommand.newBuilder()
                .addAllPartitions(List.of(partitions))).build();
    }

    static PartitionRef ref(String topic, int partition) {
        return PartitionRef.newBuilder().setTopic(topic).setPartition(partition).build();
    }

    static ControllerCommand alterConfigs(String topic, Map<String, String> set, String... delete) {
        return ControllerCommand.newBuilder().setAlterTopicConfigs(AlterTopicConfigsCommand.newBuilder()
                .setTopic(topic).putAllSet(set).addAllDelete(List.of(delete))).build();
    }

    static ControllerCommand declareExchange(String name, ExchangeType type) {
        return declareExchange(name, type, false, Map.of());
    }

    static ControllerCommand declareExchange(String name, ExchangeType type, boolean internal,
                                             Map<String, String> arguments) {
        return ControllerCommand.newBuilder().setDeclareExchange(DeclareExchangeCommand.newBuilder()
                .setName(name).setType(type).setInternal(internal).putAllArguments(arguments)).build();
    }

    static ControllerCommand exchangeExists(String name) {
        return ControllerCommand.newBuilder().setDeclareExchange(DeclareExchangeCommand.newBuilder()
                .setName(name).setPassive(true)).build();
    }

    static ControllerCommand deleteExchange(String name, boolean ifUnused) {
        return ControllerCommand.newBuilder().setDeleteExchange(DeleteExchangeCommand.newBuilder()
                .setName(name).setIfUnused(ifUnused)).build();
    }

    static ControllerCommand declareQueue(String name) {
        return declareQueue(name, Map.of());
    }

    static ControllerCommand declareQueue(String name, Map<String, String> arguments) {
        return ControllerCommand.newBuilder().setDeclareQueue(DeclareQueueCommand.newBuilder()
                .setName(name).putAllArguments(arguments)).build();
    }

    static ControllerCommand declareQueue(DeclareQueueCommand.Builder command) {
        return ControllerCommand.newBuilder().setDeclareQueue(command).build();
    }

    static ControllerCommand queueExists(String name) {
        return ControllerCommand.newBuilder().setDeclareQueue(DeclareQueueCommand.newBuilder()
                .setName(name).setPassive(true)).build();
    }

    static ControllerCommand deleteQueue(String name) {
        return ControllerCommand.newBuilder().setDeleteQueue(DeleteQueueCommand.newBuilder().setName(name)).build();
    }

    static BindingInfo toQueue(String source, String queue, String key) {
        return binding(source, DestinationKind.QUEUE, queue, key, Map.of());
    }

    static BindingInfo toExchange(String source, String exchange, String key) {
        return binding(source, DestinationKind.EXCHANGE, exchange, key, Map.of());
    }

    static BindingInfo binding(String source, DestinationKind kind, String destination, String key,
                               Map<String, String> arguments) {
        return BindingInfo.newBuilder().setSource(source).setDestinationKind(kind).setDestination(destination)
                .setRoutingKey(key).putAllArguments(arguments).build();
    }

    static ControllerCommand bind(BindingInfo binding) {
        return ControllerCommand.newBuilder().setBind(BindCommand.newBuilder().setBinding(binding)).build();
    }

    static ControllerCommand unbind(BindingInfo binding) {
        return ControllerCommand.newBuilder().setUnbind(UnbindCommand.newBuilder().setBinding(binding)).build();
    }
}
