using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Instructions;

public static partial class InstructionParser
{
    [GeneratedRegex(@"^[a-z][a-z0-9\-_\.]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex StageNamePattern();

    private static FromInstruction ParseFrom(SyntaxNode node, BuilderFlagSet flags)
    {
        var args = node.Arguments;
        string? stage = null;
        if (args.Count == 3 && string.Equals(args[1], "as", StringComparison.OrdinalIgnoreCase))
        {
            stage = args[2].ToLowerInvariant();
            if (!StageNamePattern().IsMatch(stage))
            {
                throw new InstructionException(ErrorCode.InvalidStageName,
                    $"invalid name for build stage: {GoQuote.Quote(args[2])}, name can't start with a number or contain symbols",
                    "a stage name starts with a letter and holds only letters, digits, '-', '_' and '.'", argumentIndex: 2);
            }
        }
        else if (args.Count != 1)
        {
            throw new InstructionException(ErrorCode.ArgumentCount, "FROM requires either one or three arguments",
                "usage: FROM [--platform=<platform>] <image> [AS <name>]");
        }

        return new FromInstruction(args[0], stage, flags.GetString("platform")) { Description = DocComment(node.Comments, stage) };
    }

    private static RunInstruction ParseRun(SyntaxNode node)
    {
        var flags = Flags(node, new BuilderFlagSet().List("mount").String("network").String("security"));
        if (node.Arguments.Count == 0)
        {
            throw new InstructionException(ErrorCode.ArgumentCount, "RUN requires at least one argument", Usage("RUN"));
        }

        foreach (var mount in flags.GetList("mount"))
        {
            RunMountCheck.Validate(mount);
        }

        var network = flags.GetString("network");
        if (network is not null and not ("default" or "none" or "host"))
        {
            throw new InstructionException(ErrorCode.InvalidFlagValue, $"unsupported network mode \"{network}\"",
                "use --network=default, none or host");
        }

        var security = flags.GetString("security");
        if (security is not null and not ("sandbox" or "insecure"))
        {
            throw new InstructionException(ErrorCode.InvalidFlagValue, $"unsupported security mode \"{security}\"",
                "use --security=sandbox or insecure");
        }

        var files = node.Heredocs.Select(h => new HeredocFile(h.Name, h.Content, h.Expand, h.Chomp, h.FileDescriptor)).ToList();
        return new RunInstruction(Command(node), flags.GetList("mount"), network, security, files);
    }

    private static CopyInstruction ParseCopy(SyntaxNode node)
    {
        var flags = Flags(node, new BuilderFlagSet().String("from").String("chown").String("chmod")
            .Bool("link").Bool("parents").List("exclude"));
        var paths = SourcesAndDest(node, "COPY");
        return new CopyInstruction(paths, flags.GetString("from"), flags.GetString("chown"), flags.GetString("chmod"),
            flags.GetBool("link"), flags.GetBool("parents"), flags.GetList("exclude"));
    }

    private static AddInstruction ParseAdd(SyntaxNode node)
    {
        var flags = Flags(node, new BuilderFlagSet().String("chown").String("chmod").Bool("link")
            .Bool("keep-git-dir").String("checksum").List("exclude").Bool("unpack"));
        var paths = SourcesAndDest(node, "ADD");
        return new AddInstruction(paths, flags.GetString("chown"), flags.GetString("chmod"), flags.GetBool("link"),
            flags.GetBool("keep-git-dir"), flags.GetString("checksum"), flags.GetOptionalBool("unpack"),
            flags.GetList("exclude"));
    }

    private static SourcesAndDest SourcesAndDest(SyntaxNode node, string keyword)
    {
        var args = node.Arguments;
        if (args.Count == 0)
        {
            throw new InstructionException(ErrorCode.ArgumentCount, $"{keyword} requires at least two arguments", Usage(keyword));
        }

        if (args.Count == 1)
        {
            throw new InstructionException(ErrorCode.ArgumentCount,
                $"{keyword} requires at least two arguments, but only one was provided. Destination could not be determined",
                Usage(keyword), atArguments: true);
        }

        var dest = args[^1];
        if (!node.IsJson && HeredocMarkerOrNull(dest) is not null)
        {
            throw new InstructionException(ErrorCode.InvalidHeredoc, $"{keyword} cannot accept a heredoc as a destination",
                "put the heredoc before the destination: COPY <<EOF /path", argumentIndex: args.Count - 1);
        }

        var bodies = node.Heredocs.GroupBy(h => h.Name).ToDictionary(g => g.Key, g => g.Last());
        var sources = new List<string>();
        var contents = new List<HeredocFile>();
        foreach (var source in args.Take(args.Count - 1))
        {
            if (!node.IsJson && HeredocMarkerOrNull(source) is { } marker)
            {
                var content = bodies.TryGetValue(marker.Name, out var body) ? body.Content : "";
                if (marker.Chomp)
                {
                    content = HeredocMarkers.Chomp(content);
                }

                contents.Add(new HeredocFile(marker.Name, content, marker.Expand, marker.Chomp, marker.FileDescriptor));
            }
            else
            {
                sources.Add(source);
            }
        }

        return new SourcesAndDest(sources, contents, dest);
    }

    private static Heredoc? HeredocMarkerOrNull(string word)
    {
        try
        {
            return HeredocMarkers.Parse(word);
        }
        catch (ArgumentSyntaxException)
        {
            return null;
        }
    }

    private static IReadOnlyList<KeyValue> KeyValues(SyntaxNode node, string keyword)
    {
        AtLeastOne(node, keyword);
        var result = new List<KeyValue>(node.Arguments.Count / 3);
        for (var i = 0; i + 2 < node.Arguments.Count; i += 3)
        {
            var key = node.Arguments[i];
            if (key.Length == 0)
            {
                throw new InstructionException(ErrorCode.InvalidKeyValue, $"{keyword} names can not be blank",
                    Usage(keyword), argumentIndex: i + 1);
            }

            result.Add(new KeyValue(key, node.Arguments[i + 1], node.Arguments[i + 2].Length == 0));
        }

        return result;
    }

    private static ArgInstruction ParseArg(SyntaxNode node)
    {
        AtLeastOne(node, "ARG");
        var result = new List<ArgDeclaration>();
        for (var i = 0; i < node.Arguments.Count; i++)
        {
            var word = node.Arguments[i];
            var eq = word.IndexOf('=');
            var name = eq >= 0 ? word[..eq] : word;
            if (name.Length == 0)
            {
                throw new InstructionException(ErrorCode.InvalidKeyValue, "ARG names can not be blank", Usage("ARG"),
                    argumentIndex: i);
            }

            result.Add(new ArgDeclaration(name, eq >= 0 ? word[(eq + 1)..] : null) { Description = DocComment(node.Comments, name) });
        }

        return new ArgInstruction(result);
    }

    /// <summary>
    /// What BuildKit calls a DocComment: of the comment lines directly above an instruction, the
    /// first that starts with <paramref name="name"/> and a space, without them.
    /// </summary>
    private static string? DocComment(IReadOnlyList<string> comments, string? name) =>
        string.IsNullOrEmpty(name) ? null
            : comments.FirstOrDefault(c => c.StartsWith(name + " ", StringComparison.Ordinal)) is { } line ? line[(name.Length + 1)..] : null;

    private static VolumeInstruction ParseVolume(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].Trim().Length == 0)
            {
                throw new InstructionException(ErrorCode.InvalidArgument, "VOLUME specified can not be an empty string",
                    "give a path, e.g. VOLUME /data", argumentIndex: i);
            }
        }

        return new VolumeInstruction(args);
    }

    private static ShellInstruction ParseShell(SyntaxNode node)
    {
        if (node.Arguments.Count == 0)
        {
            throw new InstructionException(ErrorCode.ArgumentCount, "SHELL requires at least one argument", Usage("SHELL"));
        }

        if (!node.IsJson)
        {
            throw new InstructionException(ErrorCode.InvalidJson, "SHELL requires the arguments to be in JSON form",
                Usage("SHELL"), atArguments: true);
        }

        return new ShellInstruction(node.Arguments);
    }

    private static OnbuildInstruction ParseOnbuild(SyntaxNode node)
    {
        if (node.Trigger is not { } trigger)
        {
            throw new InstructionException(ErrorCode.ArgumentCount, "ONBUILD requires at least one argument", Usage("ONBUILD"));
        }

        switch (trigger.Keyword)
        {
            case "onbuild":
                throw new InstructionException(ErrorCode.InvalidOnbuild,
                    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", "write the trigger once: ONBUILD <instruction>",
                    atArguments: true);
            case "maintainer" or "from":
                throw new InstructionException(ErrorCode.InvalidOnbuild,
                    $"{trigger.Keyword.ToUpperInvariant()} isn't allowed as an ONBUILD trigger",
                    "ONBUILD can wrap any instruction but FROM, MAINTAINER and ONBUILD", atArguments: true);
        }

        // Like BuildKit, only the trigger's keyword is checked here; the trigger itself is parsed
        // and checked when it fires, in the build of an image FROM this one.
        var expression = node.Original.TrimStart();
        expression = expression[node.KeywordAsWritten.Length..].TrimStart();
        foreach (var heredoc in node.Heredocs)
        {
            expression += "\n" + heredoc.Content + heredoc.Name;
        }

        return new OnbuildInstruction(expression, trigger.Keyword.ToUpperInvariant());
    }
}
