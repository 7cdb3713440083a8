package io.wharf.broker;

import io.grpc.stub.StreamObserver;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataViews;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeMetadataRequest;
import io.wharf.proto.broker.DescribeMetadataResponse;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The broker's gRPC {@code BrokerService}: answers from the broker's own metadata image, which may
 * trail the controllers by the time a record takes to stream here. Thread-safe (each call reads
 * one immutable image).
 */
final class BrokerMetadataService extends BrokerServiceGrpc.BrokerServiceImplBase {

    /** Brokers do not track each other's heartbeats. */
    private static final long LIVENESS_NOT_TRACKED = -1;

    private final int brokerId;
    private final Supplier<MetadataImage> image;

    BrokerMetadataService(int brokerId, Supplier<MetadataImage> image) {
        this.brokerId = brokerId;
        this.image = image;
    }

    /** Brokers sorted by id, topics by name; requested names that do not exist are left out. */
    @Override
    public void describeMetadata(DescribeMetadataRequest request, StreamObserver<DescribeMetadataResponse> observer) {
        MetadataImage current = image.get();
        DescribeMetadataResponse.Builder response = DescribeMetadataResponse.newBuilder()
                .setBrokerId(brokerId)
                .setMetadataOffset(current.offset());
        for (BrokerRegistration broker : current.brokers().values()) {
            response.addBrokers(MetadataViews.toBrokerInfo(broker, LIVENESS_NOT_TRACKED));
        }
        if (request.getTopicsCount() == 0) {
            for (TopicImage topic : current.topics().values()) {
                response.addTopics(MetadataViews.toTopicDescription(topic));
            }
        } else {
            for (String name : new TreeSet<>(request.getTopicsList())) {
                current.topic(name).ifPresent(topic -> response.addTopics(MetadataViews.toTopicDescription(topic)));
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }
}
