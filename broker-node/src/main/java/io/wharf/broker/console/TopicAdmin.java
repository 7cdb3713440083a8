package io.wharf.broker.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ControllerUnavailableException;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.DeleteTopicsRequest;
import io.wharf.proto.controller.TopicResult;
import io.wharf.proto.metadata.TopicSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The console's admin actions: {@code POST /api/topics} with {@code {"name", "partitions",
 * "replicationFactor"}} creates a topic, {@code DELETE /api/topics/<name>} deletes one. Both go to the
 * controllers; when {@code console.admin.enabled} is false they are refused with CONSOLE_READ_ONLY.
 * Stateless; runs on the calling HTTP thread (the controllers' answer takes milliseconds, and the
 * attempts are bounded by controller.request.timeout.ms).
 */
final class TopicAdmin implements HttpHandler {

    static final String PATH = "/api/topics";
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean enabled;
    private final ControllerChannels controllers;

    TopicAdmin(boolean enabled, ControllerChannels controllers) {
        this.enabled = enabled;
        this.controllers = controllers;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            if (!enabled) {
                JsonAnswer.sendError(exchange, 403, ErrorCode.CONSOLE_READ_ONLY, "this console is read-only: "
                        + method + " " + path + " needs console.admin.enabled=true on broker");
                return;
            }
            if (method.equals("POST") && path.equals(PATH)) {
                create(exchange);
            } else if (method.equals("DELETE") && path.startsWith(PATH + "/") && path.length() > PATH.length() + 1) {
                delete(exchange, URLDecoder.decode(path.substring(PATH.length() + 1), StandardCharsets.UTF_8));
            } else {
                JsonAnswer.sendError(exchange, 405, ErrorCode.INVALID_REQUEST, method + " " + path
                        + " is not an admin action: POST " + PATH + " creates a topic, DELETE " + PATH + "/<name> deletes one");
            }
        }
    }

    private void create(HttpExchange exchange) throws IOException {
        TopicSpec spec;
        try (InputStream in = exchange.getRequestBody()) {
            JsonNode body = JSON.readTree(in.readNBytes(MAX_BODY_BYTES));
            spec = TopicSpec.newBuilder().setName(body.path("name").asText(""))
                    .setPartitions(body.path("partitions").asInt(1))
                    .setReplicationFactor(body.path("replicationFactor").asInt(1)).build();
        } catch (IOException e) {
            JsonAnswer.sendError(exchange, 400, ErrorCode.INVALID_REQUEST, "the body is not JSON like "
                    + "{\"name\": \"demo\", \"partitions\": 3, \"replicationFactor\": 3}: " + e.getMessage());
            return;
        }
        answer(exchange, spec.getName(), () -> controllers.call(ControllerChannels.Target.ANY,
                stub -> stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(spec).build()),
                response -> firstError(response.getResultsList())).getResultsList());
    }

    private void delete(HttpExchange exchange, String topic) throws IOException {
        answer(exchange, topic, () -> controllers.call(ControllerChannels.Target.ANY,
                stub -> stub.deleteTopics(DeleteTopicsRequest.newBuilder().addNames(topic).build()),
                response -> firstError(response.getResultsList())).getResultsList());
    }

    private interface ControllerCall {
        List<TopicResult> results() throws ControllerUnavailableException;
    }

    private static void answer(HttpExchange exchange, String topic, ControllerCall call) throws IOException {
        List<TopicResult> results;
        try {
            results = call.results();
        } catch (ControllerUnavailableException e) {
            JsonAnswer.sendError(exchange, 503, ErrorCode.CONTROLLER_UNAVAILABLE, "no controller answered for topic '"
                    + topic + "': " + e.getMessage());
            return;
        }
        Error error = firstError(results);
        if (error == null || error.getCode() == ErrorCode.NONE) {
            JsonAnswer.sendValue(exchange, 200, Map.of("topic", topic));
        } else {
            JsonAnswer.sendError(exchange, error.getCode() == ErrorCode.CONTROLLER_UNAVAILABLE ? 503 : 400,
                    error.getCode(), error.getMessage());
        }
    }

    private static Error firstError(List<TopicResult> results) {
        return results.isEmpty() ? null : results.get(0).getError();
    }
}
