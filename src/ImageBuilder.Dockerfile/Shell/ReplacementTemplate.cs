using System.Text;

namespace ImageBuilder.Dockerfile.Shell;

/// <summary>
/// The replacement text of <c>${v//p/r}</c> read as a Go regexp template, which is what
/// BuildKit's replace-all does with it: <c>$$</c> is a dollar sign, <c>$0</c> and <c>${0}</c>
/// are the matched text, any other <c>$name</c> or <c>${name}</c> (there are no capture
/// groups) is nothing, and a <c>$</c> that starts no valid reference stays as it is.
/// (The single replacement <c>${v/p/r}</c> inserts the text literally.)
/// </summary>
internal sealed class ReplacementTemplate
{
    // A piece is either literal text or, when null, the matched text.
    private readonly List<string?> pieces;

    private ReplacementTemplate(List<string?> pieces)
    {
        this.pieces = pieces;
    }

    public static ReplacementTemplate Parse(string template)
    {
        var pieces = new List<string?>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var dollar = template.IndexOf('$', i);
            if (dollar < 0)
            {
                literal.Append(template, i, template.Length - i);
                break;
            }

            literal.Append(template, i, dollar - i);
            i = dollar + 1;
            if (i < template.Length && template[i] == '$')
            {
                literal.Append('$');
                i++;
                continue;
            }

            if (!TryReadReference(template, i, out var name, out var after))
            {
                literal.Append('$');
                continue;
            }

            i = after;
            if (name == "0")
            {
                pieces.Add(literal.ToString());
                literal.Clear();
                pieces.Add(null);
            }
        }

        pieces.Add(literal.ToString());
        return new ReplacementTemplate(pieces);
    }

    public void AppendTo(StringBuilder output, ReadOnlySpan<int> match)
    {
        foreach (var piece in pieces)
        {
            if (piece is null)
            {
                CodePoints.Append(output, match);
            }
            else
            {
                output.Append(piece);
            }
        }
    }

    // A reference is a name of letters, digits and underscores, optionally inside braces.
    private static bool TryReadReference(string template, int index, out string name, out int after)
    {
        name = string.Empty;
        after = index;
        var braced = index < template.Length && template[index] == '{';
        var i = braced ? index + 1 : index;
        var nameStart = i;
        while (i < template.Length)
        {
            var codePoint = CodePoints.At(template, i, out var width);
            if (!CodePoints.IsLetter(codePoint) && !CodePoints.IsDigit(codePoint) && codePoint != '_')
            {
                break;
            }

            i += width;
        }

        if (i == nameStart)
        {
            return false;
        }

        name = template[nameStart..i];
        if (braced)
        {
            if (i >= template.Length || template[i] != '}')
            {
                return false;
            }

            i++;
        }

        after = i;
        return true;
    }
}
