package io.wharf.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.TimeZone;

/**
 * An event's time of day, {@code HH:mm:ss.SSS} in the JVM's default time zone: what the pattern
 * {@code %d{HH:mm:ss.SSS}} writes, without {@code java.time}'s zone rules. Logback's date converter
 * asks {@code java.time} for the default zone, whose rules provider first searches the class path
 * for {@code ZoneRulesProvider} services, opening every jar on a node's start path (~50 ms of a
 * broker's main thread, docs/decisions/node-logging.md). {@link TimeZone} reads the same time zone
 * data directly.
 *
 * <p>Thread-safe: appenders may encode events on several threads at once; the text of the last
 * second is cached as one immutable value.
 */
public final class TimeOfDayConverter extends ClassicConverter {

    private static final int MILLIS_PER_SECOND = 1000;
    private static final int SECONDS_PER_DAY = 86_400;

    private final TimeZone zone;
    private volatile Second last = new Second(Long.MIN_VALUE, "");

    /** In the JVM's default time zone, as logback builds it from the pattern. */
    public TimeOfDayConverter() {
        this(TimeZone.getDefault());
    }

    TimeOfDayConverter(TimeZone zone) {
        this.zone = (TimeZone) zone.clone();
    }

    @Override
    public String convert(ILoggingEvent event) {
        return format(event.getTimeStamp());
    }

    /** {@code epochMillis} as {@code HH:mm:ss.SSS} local time. */
    String format(long epochMillis) {
        long localMillis = epochMillis + zone.getOffset(epochMillis);
        long localSecond = Math.floorDiv(localMillis, MILLIS_PER_SECOND);
        Second second = last;
        if (second.localSecond != localSecond) {
            second = new Second(localSecond, hoursMinutesSeconds(localSecond));
            last = second;
        }
        int millis = (int) Math.floorMod(localMillis, MILLIS_PER_SECOND);
        StringBuilder text = new StringBuilder(12).append(second.text).append('.');
        if (millis < 100) {
            text.append('0');
        }
        if (millis < 10) {
            text.append('0');
        }
        return text.append(millis).toString();
    }

    private static String hoursMinutesSeconds(long localSecond) {
        int secondOfDay = (int) Math.floorMod(localSecond, SECONDS_PER_DAY);
        StringBuilder text = new StringBuilder(8);
        twoDigits(text, secondOfDay / 3600).append(':');
        twoDigits(text, secondOfDay / 60 % 60).append(':');
        return twoDigits(text, secondOfDay % 60).toString();
    }

    private static StringBuilder twoDigits(StringBuilder text, int value) {
        return text.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    /** One local second since the epoch and its {@code HH:mm:ss}. */
    private record Second(long localSecond, String text) {
    }
}
