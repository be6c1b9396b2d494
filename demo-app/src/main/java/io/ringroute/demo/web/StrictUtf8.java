package io.ringroute.demo.web;

import io.ringroute.demo.social.Rejected;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;

/** Decodes request bodies as UTF-8 and refuses malformed bytes instead of replacing them with U+FFFD. */
final class StrictUtf8 {
    private StrictUtf8() {
    }

    static String decode(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        try {
            CharBuffer chars = decoder.decode(in);
            return chars.toString();
        } catch (MalformedInputException e) {
            throw Rejected.badInput("request body is not valid UTF-8: malformed bytes at offset " + in.position());
        } catch (CharacterCodingException e) {
            throw Rejected.badInput("request body is not valid UTF-8");
        }
    }
}
