package dev.evalgate.prompt.jinja;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.TextStyle;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's {@code datetime.now().strftime(format)} as Hugging Face's strftime_now calls it: a naive local time, C
 * locale names, glibc directives and padding flags ({@code %-d}).
 */
final class PythonStrftime {

    private PythonStrftime() {}

    static String format(String format, LocalDateTime time) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i++);
            if (c != '%' || i >= format.length()) {
                out.append(c);
                continue;
            }
            int start = i - 1;
            char flag = 0;
            char f = format.charAt(i);
            if (f == '-' || f == '_' || f == '0' || f == '^') {
                flag = f;
                if (++i >= format.length()) {
                    out.append(format, start, i);
                    break;
                }
            }
            char directive = format.charAt(i++);
            String expanded = directive(directive, flag, time);
            // glibc copies unknown directives through untouched.
            out.append(expanded != null ? expanded : format.substring(start, i));
        }
        return out.toString();
    }

    private static String directive(char directive, char flag, LocalDateTime t) {
        String text = switch (directive) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'c' -> format("%a %b %e %H:%M:%S %Y", t);
            case 'D', 'x' -> format("%m/%d/%y", t);
            case 'F' -> format("%Y-%m-%d", t);
            case 'T', 'X' -> format("%H:%M:%S", t);
            case 'R' -> format("%H:%M", t);
            case 'r' -> format("%I:%M:%S %p", t);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'P' -> t.getHour() < 12 ? "am" : "pm";
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            // A naive datetime has no zone, so Python prints nothing for these.
            case 'z', 'Z' -> "";
            case 'f' -> String.format("%06d", t.getNano() / 1000);
            case 's' -> Long.toString(t.atZone(ZoneId.systemDefault()).toEpochSecond());
            default -> null;
        };
        if (text != null) {
            return flag == '^' ? text.toUpperCase(Locale.ROOT) : text;
        }
        int dayOfYear0 = t.getDayOfYear() - 1;
        int sundayBased = t.getDayOfWeek().getValue() % 7;
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        return switch (directive) {
            case 'd' -> number(t.getDayOfMonth(), 2, '0', flag);
            case 'e' -> number(t.getDayOfMonth(), 2, ' ', flag);
            case 'm' -> number(t.getMonthValue(), 2, '0', flag);
            case 'y' -> number(t.getYear() % 100, 2, '0', flag);
            case 'Y' -> number(t.getYear(), 1, '0', flag);
            case 'C' -> number(t.getYear() / 100, 2, '0', flag);
            case 'H' -> number(t.getHour(), 2, '0', flag);
            case 'k' -> number(t.getHour(), 2, ' ', flag);
            case 'I' -> number(hour12, 2, '0', flag);
            case 'l' -> number(hour12, 2, ' ', flag);
            case 'M' -> number(t.getMinute(), 2, '0', flag);
            case 'S' -> number(t.getSecond(), 2, '0', flag);
            case 'j' -> number(t.getDayOfYear(), 3, '0', flag);
            case 'u' -> number(t.getDayOfWeek().getValue(), 1, '0', flag);
            case 'w' -> number(sundayBased, 1, '0', flag);
            case 'U' -> number((dayOfYear0 + 7 - sundayBased) / 7, 2, '0', flag);
            case 'W' -> number((dayOfYear0 + 7 - (t.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue())) / 7,
                    2, '0', flag);
            case 'V' -> number(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, '0', flag);
            case 'G' -> number(t.get(IsoFields.WEEK_BASED_YEAR), 1, '0', flag);
            case 'g' -> number(t.get(IsoFields.WEEK_BASED_YEAR) % 100, 2, '0', flag);
            default -> null;
        };
    }

    private static String number(int value, int width, char pad, char flag) {
        String digits = Integer.toString(value);
        if (flag == '-' || digits.length() >= width) {
            return digits;
        }
        char padding = flag == '_' ? ' ' : flag == '0' ? '0' : pad;
        return String.valueOf(padding).repeat(width - digits.length()) + digits;
    }
}
