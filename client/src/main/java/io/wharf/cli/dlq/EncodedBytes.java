package io.wharf.cli.dlq;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Bytes as the dlq commands print them: as text when they are valid UTF-8, else base64, so that
 * a binary key or value survives a copy from the output. Immutable.
 *
 * @param encoding {@code utf-8} or {@code base64}
 * @param text the bytes in that encoding
 */
public record EncodedBytes(String encoding, String text) {

    /** {@code bytes} as text, or base64 when they are not valid UTF-8; null for null. */
    public static EncodedBytes of(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return new EncodedBytes("utf-8", text);
        } catch (CharacterCodingException e) {
            return new EncodedBytes("base64", Base64.getEncoder().encodeToString(bytes));
        }
    }

    /** The text, marked when it is base64 (for tables). */
    public String display() {
        return encoding.equals("utf-8") ? text : "base64:" + text;
    }
}
