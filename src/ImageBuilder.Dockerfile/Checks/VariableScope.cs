using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Shell;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

internal static partial class VariableRules
{
    /// <summary>
    /// The names a stage's instructions can expand: the base image's ENV (null when unknown: then
    /// nothing is reported), the stage's ENVs so far, and its ARGs (declared ones never count as undefined).
    /// </summary>
    private sealed class Scope(IEnumerable<string>? baseEnv)
    {
        private readonly HashSet<string>? env = baseEnv?.ToHashSet(StringComparer.Ordinal);
        private readonly HashSet<string> args = new(StringComparer.Ordinal);

        public Scope Copy()
        {
            var copy = new Scope(env);
            copy.args.UnionWith(args);
            return copy;
        }

        public void Check(CheckedNode node, ShellLexer lexer, CheckContext context)
        {
            var known = (env ?? []).Concat(args).Distinct(StringComparer.Ordinal).ToDictionary(n => n, _ => "x", StringComparer.Ordinal);
            var syntax = node.Syntax;
            if (node.Typed is ArgInstruction arg)
            {
                foreach (var declaration in arg.Args)
                {
                    if (declaration.DefaultValue is { } value)
                    {
                        Report(syntax, lexer, value, known, context);
                    }

                    args.Add(declaration.Name);
                }

                return;
            }

            if (Expanded.Contains(syntax.Keyword))
            {
                foreach (var word in Words(syntax))
                {
                    Report(syntax, lexer, word, known, context);
                }
            }

            if (node.Typed is EnvInstruction envInstruction)
            {
                env?.UnionWith(envInstruction.Variables.Select(v => v.Key));
            }
        }

        private void Report(SyntaxNode node, ShellLexer lexer, string word, Dictionary<string, string> known, CheckContext context)
        {
            if (env is null || TryMatch(lexer, word, known) is not { } match)
            {
                return;
            }

            foreach (var name in match.Unmatched.Where(n => !args.Contains(n) && !NonEnvArgs.Contains(n)))
            {
                var suggestion = NameSuggestion.Closest(name, known.Keys);
                context.Report(CheckRules.UndefinedVar, node,
                    $"'${name}' is not defined by an ARG or ENV before this line{(suggestion is null ? "" : $" (did you mean ${suggestion}?)")}",
                    suggestion is null ? $"declare ARG {name} (or ENV {name}=…) before use" : $"write ${suggestion}");
            }
        }

        private static IEnumerable<string> Words(SyntaxNode node) => node.Keyword switch
        {
            "env" or "label" => node.Arguments.Where((_, i) => i % 3 != 2),
            "copy" or "add" => node.Arguments.Where(a => !a.StartsWith("<<", StringComparison.Ordinal)),
            _ => node.Arguments,
        };
    }
}
