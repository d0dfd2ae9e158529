package dev.zcproxy.inbound.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads request bodies: at most {@code maxBytes} (more is a 413, whatever Content-Length said), one
 * JSON document with no trailing data and no duplicate keys (a duplicate would let two parsers of
 * the same body disagree on what it says).
 */
final class Bodies {

  private final ObjectMapper mapper;
  private final int maxBytes;

  Bodies(ObjectMapper mapper, int maxBytes) {
    this.mapper =
        mapper
            .copy()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.maxBytes = maxBytes;
  }

  int maxBytes() {
    return maxBytes;
  }

  /** The body as a JSON object, or a problem saying why not. */
  RequestReader readObject(InputStream body) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request body", e);
    }
    if (bytes.length > maxBytes) {
      throw Problems.tooLarge(maxBytes);
    }
    if (bytes.length == 0) {
      throw Problems.invalid("", "a JSON object is required");
    }
    JsonNode root;
    try {
      root = mapper.readTree(bytes);
    } catch (JsonProcessingException malformed) {
      throw new ProblemException(
          ProblemType.MALFORMED_JSON,
          "the body is not valid JSON: " + malformed.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse the request body", e);
    }
    return RequestReader.of(root);
  }
}
