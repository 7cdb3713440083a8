package io.wharf.broker.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.wharf.proto.common.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes the console API's JSON answers, errors included, in one shape. Stateless. */
final class JsonAnswer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonAnswer() {
    }

    /** Answers {@code status} with {@code json}, already serialized. */
    static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = (json + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Answers {@code status} with {@code value} as JSON. */
    static void sendValue(HttpExchange exchange, int status, Object value) throws IOException {
        send(exchange, status, JSON.writeValueAsString(value));
    }

    /**
     * Answers an error as {@code {"error": {"code": 100, "name": "CONSOLE_READ_ONLY", "message": ...}}},
     * the codes of {@code docs/errors.md}.
     */
    static void sendError(HttpExchange exchange, int status, ErrorCode code, String message) throws IOException {
        sendValue(exchange, status, Map.of("error", Map.of("code", code.getNumber(), "name", code.name(),
                "message", message)));
    }
}
