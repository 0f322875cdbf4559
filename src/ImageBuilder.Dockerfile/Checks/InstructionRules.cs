using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>The rules about single instructions, and those that follow a stage's earlier instructions (SHELL, WORKDIR, CMD…).</summary>
internal static partial class InstructionRules
{
    private static readonly string[] OnceOnly = ["cmd", "entrypoint", "healthcheck"];

    public static void Run(IReadOnlyList<CheckedStage> stages, CheckContext context)
    {
        var shellSet = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        var workdirSet = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in stages)
        {
            var parent = stage.FromInstruction?.Image;
            var hasShell = parent is not null && shellSet.GetValueOrDefault(parent);
            var hasWorkdir = parent is not null && workdirSet.GetValueOrDefault(parent);
            var lastOnce = new Dictionary<string, SyntaxNode>(StringComparer.Ordinal);
            if (stage.From is { } from)
            {
                Description(from.Syntax, stage.Name is { } n ? [n] : [], "FROM", context);
            }

            foreach (var node in stage.Nodes)
            {
                var syntax = node.Syntax;
                switch (syntax.Keyword)
                {
                    case "shell":
                        hasShell = true;
                        break;
                    case "cmd" or "entrypoint" when !syntax.IsJson && !hasShell:
                        JsonArgs(syntax, context);
                        break;
                    case "workdir" when !hasWorkdir:
                        hasWorkdir = true;
                        RelativeWorkdir(syntax, context);
                        break;
                    case "maintainer":
                        context.Report(CheckRules.MaintainerDeprecated, syntax, "MAINTAINER is deprecated",
                            $"LABEL org.opencontainers.image.authors={Quote(syntax.ArgumentText)}");
                        break;
                    case "env" or "label":
                        LegacyKeyValue(syntax, context);
                        break;
                    case "expose":
                        Expose(syntax, context);
                        break;
                }

                if (syntax.Keyword is "env" or "arg")
                {
                    Secrets(node, context);
                }

                if (node.Typed is ArgInstruction arg)
                {
                    Description(syntax, arg.Args.Select(a => a.Name).ToList(), "ARG", context);
                }

                if (OnceOnly.Contains(syntax.Keyword))
                {
                    if (lastOnce.TryGetValue(syntax.Keyword, out var earlier))
                    {
                        context.Report(CheckRules.MultipleInstructionsDisallowed, earlier,
                            $"this {earlier.KeywordAsWritten.ToUpperInvariant()} is overridden by the one on line {syntax.Span.StartLine}",
                            "delete the earlier one");
                    }

                    lastOnce[syntax.Keyword] = syntax;
                }
            }

            if (stage.Name is { } name)
            {
                shellSet[name] = hasShell;
                workdirSet[name] = hasWorkdir;
            }
        }
    }

    internal static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static void JsonArgs(SyntaxNode node, CheckContext context)
    {
        var keyword = node.KeywordAsWritten.ToUpperInvariant();
        context.Report(CheckRules.JsonArgsRecommended, node,
            $"shell-form {keyword} runs under /bin/sh -c, which does not pass signals (SIGTERM) on to the process",
            $"{keyword} [{string.Join(", ", node.ArgumentText.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Quote))}]");
    }

    private static void RelativeWorkdir(SyntaxNode node, CheckContext context)
    {
        var path = node.Arguments.Count > 0 ? node.Arguments[0] : "";
        if (path.StartsWith('/') || path.StartsWith('$') || path.Length == 0)
        {
            return;
        }

        context.Report(CheckRules.WorkdirRelativePath, node,
            $"relative WORKDIR \"{path}\" is resolved against the base image's working directory, which may change",
            $"WORKDIR /{path}");
    }

    private static void LegacyKeyValue(SyntaxNode node, CheckContext context)
    {
        for (var i = 2; i < node.Arguments.Count; i += 3)
        {
            if (node.Arguments[i].Length == 0)
            {
                var keyword = node.KeywordAsWritten.ToUpperInvariant();
                context.Report(CheckRules.LegacyKeyValueFormat, node,
                    $"\"{keyword} {node.Arguments[i - 2]} value\" is the legacy form; a space-separated value is ambiguous",
                    $"{keyword} {node.Arguments[i - 2]}={Quote(node.Arguments[i - 1])}");
                return;
            }
        }
    }

    private static void Expose(SyntaxNode node, CheckContext context)
    {
        foreach (var raw in node.Arguments)
        {
            var slash = raw.LastIndexOf('/');
            var proto = slash < 0 ? "" : raw[(slash + 1)..];
            if (proto != proto.ToLowerInvariant())
            {
                context.Report(CheckRules.ExposeProtoCasing, node, $"protocol in '{raw}' is not lowercase",
                    $"EXPOSE {raw[..(slash + 1)]}{proto.ToLowerInvariant()}");
            }

            var port = slash < 0 ? raw : raw[..slash];
            var container = port.StartsWith('[') && port.IndexOf("]:", StringComparison.Ordinal) is var close and > 0
                ? port[(close + 2)..] : port;
            var colon = container.LastIndexOf(':');
            if (colon >= 0 || container.Length != port.Length)
            {
                context.Report(CheckRules.ExposeInvalidFormat, node,
                    $"'{raw}' holds an address or a host port; EXPOSE only documents container ports",
                    $"EXPOSE {container[(colon + 1)..]}{(slash < 0 ? "" : raw[slash..])} (publish with run -p)");
            }
        }
    }

    private static void Secrets(CheckedNode node, CheckContext context)
    {
        var keyword = node.Syntax.Keyword.ToUpperInvariant();
        var keys = node.Typed switch
        {
            ArgInstruction arg => arg.Args.Select(a => a.Name),
            EnvInstruction env => env.Variables.Select(v => v.Key),
            _ => [],
        };
        foreach (var key in keys)
        {
            if (SecretNames.LooksSecret(key))
            {
                context.Report(CheckRules.SecretsUsedInArgOrEnv, node.Syntax,
                    $"{keyword} \"{key}\" looks like a secret; its value stays in the image history or config",
                    "pass it with RUN --mount=type=secret instead");
            }
        }
    }

    private static void Description(SyntaxNode node, IReadOnlyList<string> names, string keyword, CheckContext context)
    {
        if (node.Comments.Count == 0 || names.Count == 0)
        {
            return;
        }

        var first = node.Comments[^1].Split(' ')[0];
        if (!names.Contains(first, StringComparer.Ordinal))
        {
            var example = names.Count == 1 ? names[0] : "<name>";
            context.Report(CheckRules.InvalidDefinitionDescription, node,
                $"the comment above {keyword} does not start with the name it describes",
                $"write '# {example} <description>', or put an empty comment line between");
        }
    }
}
