using Sprache;

namespace ImageBuilder.Dockerfile.Syntax;

/// <summary>
/// The Sprache parsers of <c>Dockerfile.grammar</c>, one per rule and named after
/// it (<c>builder_flags</c> → <see cref="BuilderFlags"/>). This part holds the rules
/// that read within one line; <c>DockerfileGrammar.Lines.cs</c> holds the rules
/// that read the file line by line.
/// </summary>
internal static partial class DockerfileGrammar
{
    /// <summary>Characters Go's unicode.IsSpace accepts (within one line).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c);

    /// <summary>The separators BuildKit splits the keyword and plain arguments on: <c>[\t\v\f\r ]</c>.</summary>
    public static bool IsSeparator(char c) => c is ' ' or '\t' or '\v' or '\f' or '\r';

    public static readonly Parser<string> Whitespace =
        Parse.Char(IsSpace, "whitespace").Many().Text();

    public static readonly Parser<string> Separator =
        Parse.Char(IsSeparator, "separator").AtLeastOnce().Text();

    // directive = "#" , ws , directive_name , ws , "=" , ws , directive_value ;
    public static readonly Parser<ParserDirective> Directive =
        from hash in Parse.Char('#')
        from ws1 in Whitespace
        from name in DirectiveName
        from ws2 in Whitespace
        from eq in Parse.Char('=')
        from value in DirectiveValue
        select new ParserDirective(name.ToLowerInvariant(), value, 0);

    public static readonly Parser<string> DirectiveName =
        from first in Parse.Char(c => char.IsAsciiLetter(c), "letter")
        from rest in Parse.Char(c => char.IsAsciiLetterOrDigit(c), "letter or digit").Many().Text()
        select first + rest;

    // As BuildKit's regex "=\s*(.+?)\s*$": trailing blanks are dropped, but a value made only
    // of blanks is kept as one blank (so "# escape= " is an invalid escape token, not nothing).
    public static readonly Parser<string> DirectiveValue =
        Parse.AnyChar.AtLeastOnce().Text().Select(v => v.Trim() is { Length: > 0 } t ? t : v[^1..]).End();

    // comment_line = ws , "#" , { any } ;
    public static readonly Parser<string> CommentLine =
        from ws in Whitespace
        from hash in Parse.Char('#')
        from text in Parse.AnyChar.Many().Text()
        select text;

    // empty_line = ws ;
    public static readonly Parser<string> EmptyLine = Whitespace.End();

    // keyword = non_separator , { non_separator } ;
    public static readonly Parser<string> Keyword =
        Parse.Char(c => !IsSeparator(c), "keyword character").AtLeastOnce().Text();

    // instruction = ws , keyword , [ separator , builder_flags , arguments ] ;
    public static readonly Parser<InstructionHead> Instruction =
        from ws in Whitespace
        from keyword in Keyword
        from tail in Separator.Then(_ => BuilderFlags).Optional()
        select new InstructionHead(
            keyword,
            tail.IsDefined ? tail.Get().Flags : [],
            tail.IsDefined ? tail.Get().Rest.Trim() : "",
            tail.IsDefined ? tail.Get().RestOffset + (tail.Get().Rest.Length - tail.Get().Rest.TrimStart().Length) : 0);

    // flag = "--" , { flag_part } ;   flag_part = quoted | escaped | plain
    public static readonly Parser<string> Flag =
        from dashes in Parse.String("--").Text()
        from parts in FlagPart.Many()
        select dashes + string.Concat(parts);

    public static readonly Parser<string> FlagPart =
        QuotedFlagPart('"').Or(QuotedFlagPart('\''))
            .Or(from esc in Parse.Char('\\') from c in Parse.AnyChar.Optional() select c.IsDefined ? c.Get().ToString() : "")
            .Or(Parse.Char(c => !IsSpace(c) && c != '"' && c != '\'' && c != '\\', "flag character").Once().Text());

    // builder_flags = { flag , ( ws | end ) } , [ "--" , ( ws | end ) ] , arguments ;
    public static readonly Parser<BuilderFlagList> BuilderFlags = input =>
    {
        var flags = new List<string>();
        var remainder = input;
        while (true)
        {
            var start = remainder;
            var ws = Whitespace(remainder);
            remainder = ws.Remainder;
            var flag = Flag.Then(f => Parse.Char(IsSpace, "space").Return(f).Or(Parse.Return(f).End()))(remainder);
            if (!flag.WasSuccessful)
            {
                return Result.Success(new BuilderFlagList(flags, remainder.Source[remainder.Position..], remainder.Position), start);
            }

            if (flag.Value == "--")
            {
                // "--" (also written quoted, --"") ends the flags; the rest is the arguments.
                var after = flag.Remainder;
                return Result.Success(new BuilderFlagList(flags, after.Source[after.Position..], after.Position), after);
            }

            flags.Add(flag.Value);
            remainder = flag.Remainder;
        }
    };

    // words = ws , { word , ws } ;   (quotes and escapes kept, as BuildKit's parseWords)
    public static Parser<IReadOnlyList<string>> Words(char escape) =>
        from ws in Whitespace
        from words in Word(escape).Then(w => Whitespace.Return(w)).Many()
        from end in Parse.Return(0).End()
        select (IReadOnlyList<string>)words.Where(w => w.Length > 0).ToList();

    public static Parser<string> Word(char escape) =>
        WordPart(escape).AtLeastOnce().Select(string.Concat);

    internal static Parser<string> WordPart(char escape) =>
        QuotedWordPart('"', escape).Or(QuotedWordPart('\'', escape))
            .Or(from esc in Parse.Char(escape)
                from c in Parse.AnyChar.Optional()
                select c.IsDefined ? escape.ToString() + c.Get() : "")
            .Or(Parse.Char(c => !IsSpace(c) && c != '"' && c != '\'' && c != escape, "word character").Once().Text());

    internal static Parser<string> QuotedWordPart(char quote, char escape) =>
        from open in Parse.Char(quote)
        from body in (quote == '\''
                ? Parse.CharExcept(quote).Once().Text()
                : (from esc in Parse.Char(escape)
                   from c in Parse.AnyChar.Optional()
                   select c.IsDefined ? escape.ToString() + c.Get() : "")
                  .Or(Parse.CharExcept(quote).Once().Text()))
            .Many()
        from close in Parse.Char(quote).Optional()
        select quote + string.Concat(body) + (close.IsDefined ? quote.ToString() : "");

    internal static Parser<string> QuotedFlagPart(char quote) =>
        from open in Parse.Char(quote)
        from body in (from esc in Parse.Char('\\')
                      from c in Parse.AnyChar.Optional()
                      select c.IsDefined ? c.Get().ToString() : "")
            .Or(Parse.CharExcept(quote).Once().Text())
            .Many()
        from close in Parse.Char(quote).Optional()
        select string.Concat(body);
}

/// <summary>The keyword, flags and argument text of one logical line.</summary>
internal sealed record InstructionHead(string Keyword, IReadOnlyList<string> Flags, string Rest, int RestOffset);

internal sealed record BuilderFlagList(IReadOnlyList<string> Flags, string Rest, int RestOffset);
