package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import org.junit.jupiter.api.Test;

class TopicNamesTest {

    @Test
    void acceptsKafkasAlphabetUpTo249Characters() {
        assertTrue(TopicNames.isValid("orders"));
        assertTrue(TopicNames.isValid("a.b_c-D9"));
        assertTrue(TopicNames.isValid("..."));
        assertTrue(TopicNames.isValid("x".repeat(249)));
    }

    @Test
    void rejectsEverythingElseWithAMessage() {
        for (String name : new String[] {null, "", ".", "..", "x".repeat(250), "with space", "slash/", "tab\t", "é", "a:b"}) {
            assertFalse(TopicNames.isValid(name), String.valueOf(name));
            var error = TopicNames.validate(name).orElseThrow();
            assertEquals(ErrorCode.INVALID_TOPIC_NAME, error.getCode());
            assertFalse(error.getMessage().isBlank());
        }
        assertTrue(TopicNames.validate("a b").orElseThrow().getMessage().contains("' '"));
    }
}
