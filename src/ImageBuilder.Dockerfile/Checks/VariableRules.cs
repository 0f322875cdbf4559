using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Shell;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>
/// The rules that follow ARG and ENV scoping: the global ARGs (with the predefined platform
/// ARGs) for FROM, then each stage's ARGs and ENVs, inherited by a stage built FROM it.
/// Only names matter here, not values, except for the default values FROM would use.
/// </summary>
internal static partial class VariableRules
{
    private static readonly Dictionary<string, string> PlatformArgs = new(StringComparer.Ordinal)
    {
        ["BUILDPLATFORM"] = "linux/amd64",
        ["BUILDOS"] = "linux",
        ["BUILDARCH"] = "amd64",
        ["BUILDVARIANT"] = "",
        ["TARGETPLATFORM"] = "linux/amd64",
        ["TARGETOS"] = "linux",
        ["TARGETARCH"] = "amd64",
        ["TARGETVARIANT"] = "",
    };

    private static readonly HashSet<string> NonEnvArgs = new(StringComparer.Ordinal) { "BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE" };

    private static readonly HashSet<string> Expanded = new(StringComparer.Ordinal)
    {
        "add", "copy", "env", "label", "expose", "user", "volume", "workdir", "stopsignal",
    };

    public static void Run(IReadOnlyList<CheckedStage> stages, CheckContext context)
    {
        var lexer = new ShellLexer(stages.FirstOrDefault()?.From?.Syntax is null ? '\\' : '\\');
        var (global, defaults, declared) = GlobalArgs(stages[0], context.Input);
        var scopes = new Dictionary<string, Scope>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in stages.Skip(1))
        {
            var from = stage.From!.Syntax;
            var image = from.Arguments.Count > 0 ? from.Arguments[0] : "";
            FromArgs(from, image, lexer, global, declared, context);
            DefaultImage(from, image, lexer, defaults, context);

            var scope = Resolve(image, lexer, global, scopes, context.Input);
            foreach (var node in stage.Nodes)
            {
                scope.Check(node, lexer, context);
            }

            if (stage.Name is { } name)
            {
                scopes[name] = scope;
            }
        }
    }

    private static (Dictionary<string, string> Global, Dictionary<string, string> Defaults, HashSet<string> Declared) GlobalArgs(
        CheckedStage globals, CheckInput input)
    {
        var global = new Dictionary<string, string>(PlatformArgs, StringComparer.Ordinal);
        var defaults = new Dictionary<string, string>(PlatformArgs, StringComparer.Ordinal);
        var declared = new HashSet<string>(PlatformArgs.Keys, StringComparer.Ordinal);
        var lexer = new ShellLexer();
        foreach (var arg in globals.Nodes.Select(n => n.Typed).OfType<ArgInstruction>().SelectMany(a => a.Args))
        {
            declared.Add(arg.Name);
            if (arg.DefaultValue is { } value && TryExpand(lexer, value, defaults) is { } d)
            {
                defaults[arg.Name] = d;
            }

            if (input.BuildArgs.TryGetValue(arg.Name, out var given))
            {
                global[arg.Name] = given;
            }
            else if (arg.DefaultValue is { } v && TryExpand(lexer, v, global) is { } g)
            {
                global[arg.Name] = g;
            }
        }

        return (global, defaults, declared);
    }

    private static void FromArgs(SyntaxNode from, string image, ShellLexer lexer, Dictionary<string, string> global,
        HashSet<string> declared, CheckContext context)
    {
        var words = new List<string> { image };
        var platform = from.Flags.FirstOrDefault(f => f.StartsWith("--platform=", StringComparison.Ordinal))?["--platform=".Length..];
        if (platform is not null)
        {
            words.Add(platform);
        }

        foreach (var word in words)
        {
            if (TryMatch(lexer, word, global) is not { } match)
            {
                continue;
            }

            foreach (var name in match.Unmatched.Where(n => !declared.Contains(n)).Order(StringComparer.Ordinal))
            {
                var suggestion = NameSuggestion.Closest(name, declared);
                context.Report(CheckRules.UndefinedArgInFrom, from,
                    $"FROM uses '{name}', which no ARG before the first FROM declares{(suggestion is null ? "" : $" (did you mean {suggestion}?)")}",
                    suggestion is null ? $"declare ARG {name} before the first FROM" : $"write {suggestion}");
            }

            if (word == platform)
            {
                Platform(from, platform, match, global, context);
            }
        }
    }

    private static void Platform(SyntaxNode from, string platform, ShellExpansion match, Dictionary<string, string> global, CheckContext context)
    {
        if (match.Matched.Count == 1 && match.Unmatched.Count == 0 && match.Matched.Contains("TARGETPLATFORM")
            && match.Result == global["TARGETPLATFORM"])
        {
            context.Report(CheckRules.RedundantTargetPlatform, from,
                $"--platform={platform} is what FROM does anyway", "delete the --platform flag");
        }

        var stageName = from.Arguments.Count == 3 ? from.Arguments[2] : "";
        if (match.Matched.Count == 0 && match.Unmatched.Count == 0 && match.Result.Split('/') is [var os, var arch, ..]
            && os.Length > 0 && arch.Length > 0 && !stageName.Contains(os, StringComparison.Ordinal)
            && !stageName.Contains(arch, StringComparison.Ordinal))
        {
            context.Report(CheckRules.FromPlatformFlagConstDisallowed, from,
                $"--platform={platform} pins the stage to one platform whatever the build asks for",
                "use $BUILDPLATFORM or $TARGETPLATFORM, or name the stage after the platform");
        }
    }

    private static void DefaultImage(SyntaxNode from, string image, ShellLexer lexer, Dictionary<string, string> defaults, CheckContext context)
    {
        if (!image.Contains('$', StringComparison.Ordinal) || TryExpand(lexer, image, defaults) is not { } result || ValidReference().IsMatch(result))
        {
            return;
        }

        context.Report(CheckRules.InvalidDefaultArgInFrom, from,
            $"with the ARG defaults, '{image}' gives '{result}', which is not an image name",
            "give the ARG a default that makes a valid image name");
    }

    private static Scope Resolve(string image, ShellLexer lexer, Dictionary<string, string> global,
        Dictionary<string, Scope> scopes, CheckInput input)
    {
        var name = TryExpand(lexer, image, global) ?? image;
        if (scopes.TryGetValue(name, out var parent))
        {
            return parent.Copy();
        }

        if (name == "scratch")
        {
            return new Scope(["PATH"]);
        }

        return input.BaseImageEnv(name) is { } env ? new Scope(env.Append("PATH")) : new Scope(null);
    }

    internal static string? TryExpand(ShellLexer lexer, string word, IReadOnlyDictionary<string, string> env) =>
        TryMatch(lexer, word, env)?.Result;

    internal static ShellExpansion? TryMatch(ShellLexer lexer, string word, IReadOnlyDictionary<string, string> env)
    {
        try
        {
            return lexer.ProcessWordWithMatches(word, env);
        }
        catch (ShellExpansionException)
        {
            return null;
        }
    }

    // A docker reference: [domain[:port]/]path[:tag][@digest], lower-case path components.
    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")]
    private static partial Regex ValidReference();
}
