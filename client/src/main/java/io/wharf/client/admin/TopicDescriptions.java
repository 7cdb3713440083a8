package io.wharf.client.admin;

import io.wharf.proto.common.TopicDescription;
import java.util.List;

/**
 * The answer to a describe-topics call: the topics found and one error per name that was not.
 * Immutable.
 */
public record TopicDescriptions(List<TopicDescription> topics, List<TopicOutcome> errors) {

    public TopicDescriptions {
        topics = List.copyOf(topics);
        errors = List.copyOf(errors);
    }
}
