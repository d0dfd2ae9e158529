package dev.zcproxy.inbound.netty.http.h1;

import dev.zcproxy.inbound.netty.http.HttpRejection;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * Checks the raw bytes of a request head where Netty's decoder is lenient, before it parses them. A
 * proxy must be stricter than its origins: when two parsers read the same bytes differently,
 * requests get smuggled past the one in front.
 *
 * <ul>
 *   <li>The request line is {@code method SP target SP HTTP/x.y}, visible ASCII only: no tabs, no
 *       repeated or trailing spaces, no control bytes. Only HTTP/1.0 and HTTP/1.1 are served (505
 *       otherwise).
 *   <li>No header line starts with whitespace: that is obs-fold, which Netty joins silently (RFC
 *       9112 §5.2 allows a server to reject it, and we do).
 *   <li>At most one {@code Content-Length} line: Netty accepts differing duplicates in HTTP/1.0.
 *   <li>At most {@link #MAX_HEADER_LINES} header lines (431).
 * </ul>
 *
 * Netty consumes a head line by line, never half a line, so each scan starts at a line boundary:
 * complete lines are checked once and remembered, and the incomplete last line is checked again as
 * it grows. Bare LF, CTL bytes in field names and values, and the limits on line and header sizes
 * are Netty's own checks.
 */
final class HttpHeadScanner {
  static final int MAX_HEADER_LINES = 100;

  private static final byte SP = ' ';
  private static final byte HT = '\t';
  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final String VERSION_PREFIX = "HTTP/";
  private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);

  private enum Position {
    REQUEST_LINE,
    HEADER_LINES,
    DONE
  }

  private Position position = Position.REQUEST_LINE;
  private boolean started;
  private int headerLines;
  private boolean contentLengthSeen;

  /** Whether the scanner is still inside a head (false once its empty line was seen). */
  boolean scanning() {
    return position != Position.DONE;
  }

  /** Whether any byte of the current head has arrived (leading empty lines do not count). */
  boolean started() {
    return started;
  }

  /** Ready for the next request's head. */
  void reset() {
    position = Position.REQUEST_LINE;
    started = false;
    headerLines = 0;
    contentLengthSeen = false;
  }

  /** Checks the head bytes from the reader index on; does not move it. Null when all is well. */
  HttpRejection scan(ByteBuf buffer) {
    int index = buffer.readerIndex();
    int end = buffer.writerIndex();
    if (position == Position.REQUEST_LINE) {
      // RFC 9112 §2.2: empty lines before the request line are ignored (Netty skips them too).
      index = buffer.forEachByte(index, end - index, ByteProcessor.FIND_NON_CRLF);
      if (index < 0) {
        return null;
      }
      started = true;
      int lf = buffer.indexOf(index, end, LF);
      if (lf < 0) {
        return checkPartialRequestLine(buffer, index, end);
      }
      HttpRejection bad = checkRequestLine(buffer, index, lineEnd(buffer, index, lf));
      if (bad != null) {
        return bad;
      }
      position = Position.HEADER_LINES;
      index = lf + 1;
    }
    while (position == Position.HEADER_LINES && index < end) {
      byte first = buffer.getByte(index);
      if (first == SP || first == HT) {
        return HttpRejection.badRequest("obs-fold (a header line starting with whitespace)");
      }
      int lf = buffer.indexOf(index, end, LF);
      if (lf < 0) {
        return null;
      }
      int lineEnd = lineEnd(buffer, index, lf);
      if (lineEnd == index) {
        position = Position.DONE;
        return null;
      }
      if (++headerLines > MAX_HEADER_LINES) {
        return new HttpRejection(
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            "more than " + MAX_HEADER_LINES + " header fields");
      }
      if (isContentLength(buffer, index, lineEnd)) {
        if (contentLengthSeen) {
          return HttpRejection.badRequest("more than one Content-Length");
        }
        contentLengthSeen = true;
      }
      index = lf + 1;
    }
    return null;
  }

  /** Where the line's content ends: before a CR that precedes the LF. */
  private static int lineEnd(ByteBuf buffer, int start, int lf) {
    return lf > start && buffer.getByte(lf - 1) == CR ? lf - 1 : lf;
  }

  /** So far only visible ASCII and spaces; a CR only as the last byte (its LF still to come). */
  private static HttpRejection checkPartialRequestLine(ByteBuf buffer, int start, int end) {
    int bad = buffer.forEachByte(start, end - start, VISIBLE_OR_SPACE);
    if (bad >= 0 && !(bad == end - 1 && buffer.getByte(bad) == CR)) {
      return HttpRejection.badRequest("invalid byte in the request line");
    }
    return null;
  }

  /**
   * {@code method SP target SP version}. Whole-buffer operations only: a byte-by-byte loop over a
   * leak-tracked buffer would be recorded byte by byte under paranoid leak detection.
   */
  private static HttpRejection checkRequestLine(ByteBuf buffer, int start, int end) {
    if (buffer.forEachByte(start, end - start, VISIBLE_OR_SPACE) >= 0) {
      return HttpRejection.badRequest("invalid byte in the request line");
    }
    int firstSpace = buffer.indexOf(start, end, SP);
    int secondSpace = firstSpace < 0 ? -1 : buffer.indexOf(firstSpace + 1, end, SP);
    if (firstSpace <= start
        || secondSpace <= firstSpace + 1
        || secondSpace >= end - 1
        || buffer.indexOf(secondSpace + 1, end, SP) >= 0) {
      return HttpRejection.badRequest("the request line must be: method target version");
    }
    if (buffer.forEachByte(start, firstSpace - start, TOKEN_CHAR) >= 0) {
      return HttpRejection.badRequest("invalid character in the method");
    }
    return checkVersion(buffer, secondSpace + 1, end);
  }

  /** {@code HTTP/DIGIT.DIGIT}, case-sensitive (RFC 9112 §2.3); only 1.0 and 1.1 are served. */
  private static HttpRejection checkVersion(ByteBuf buffer, int start, int end) {
    String version = buffer.toString(start, end - start, StandardCharsets.US_ASCII);
    boolean wellFormed =
        version.length() == 8
            && version.startsWith(VERSION_PREFIX)
            && Character.isDigit(version.charAt(5))
            && version.charAt(6) == '.'
            && Character.isDigit(version.charAt(7));
    if (!wellFormed) {
      return HttpRejection.badRequest("invalid HTTP version");
    }
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      return new HttpRejection(
          HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          "version_not_supported",
          version + " is not supported here; use HTTP/1.1");
    }
    return null;
  }

  private static boolean isContentLength(ByteBuf buffer, int start, int end) {
    if (end - start <= CONTENT_LENGTH.length
        || buffer.getByte(start + CONTENT_LENGTH.length) != ':') {
      return false;
    }
    for (int i = 0; i < CONTENT_LENGTH.length; i++) {
      if (Character.toLowerCase(buffer.getByte(start + i)) != CONTENT_LENGTH[i]) {
        return false;
      }
    }
    return true;
  }

  private static final ByteProcessor VISIBLE_OR_SPACE = b -> isVisible(b) || b == SP;
  private static final ByteProcessor TOKEN_CHAR = HttpHeadScanner::isTokenChar;

  private static boolean isVisible(byte b) {
    return b > SP && b < 0x7F;
  }

  /** RFC 9110 §5.6.2 tchar. */
  private static boolean isTokenChar(byte b) {
    return (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
  }
}
