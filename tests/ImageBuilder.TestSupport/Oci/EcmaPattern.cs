using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace ImageBuilder.TestSupport.Oci;

/// <summary>
/// JSON Schema patterns are ECMA-262 regular expressions, searched anywhere in the
/// string. .NET reads most of them the same way; the differences that matter are
/// rewritten: <c>$</c> is the end of input (.NET also matches before a final newline),
/// <c>.</c> excludes all line terminators, and <c>\d</c> <c>\w</c> <c>\s</c> are ASCII classes.
/// </summary>
internal static class EcmaPattern
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    public static Regex Get(string pattern) =>
        Cache.GetOrAdd(pattern, static text => new Regex(Translate(text), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5)));

    internal static string Translate(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                output.Append((next, inClass) switch
                {
                    ('d', false) => "[0-9]",
                    ('d', true) => "0-9",
                    ('D', false) => "[^0-9]",
                    ('w', false) => "[A-Za-z0-9_]",
                    ('w', true) => "A-Za-z0-9_",
                    ('W', false) => "[^A-Za-z0-9_]",
                    _ => "\\" + next,
                });
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                output.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    output.Append(c);

                    // A ']' right after '[' or '[^' is a literal in .NET but ends an empty class in ECMA; keep the .NET reading.
                    break;
                case '.':
                    output.Append(@"[^\n\r\u2028\u2029]");
                    break;
                case '$':
                    output.Append(@"\z");
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }

        return output.ToString();
    }
}
