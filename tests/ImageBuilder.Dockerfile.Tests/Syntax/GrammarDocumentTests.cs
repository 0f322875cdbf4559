using System.Reflection;
using System.Text.RegularExpressions;
using ImageBuilder.Dockerfile.Syntax;
using Sprache;

namespace ImageBuilder.Dockerfile.Tests.Syntax;

/// <summary>Dockerfile.grammar and the Sprache parsers must name the same rules.</summary>
public sealed class GrammarDocumentTests
{
    private static IReadOnlySet<string> DocumentedRules()
    {
        var text = File.ReadAllText(Path.Combine(TestData.Root, "Dockerfile.grammar"));
        var withoutComments = Regex.Replace(text, @"\(\*.*?\*\)", "", RegexOptions.Singleline);
        return Regex.Matches(withoutComments, @"^([a-z_]+)\s*(?:\([^)]*\))?\s*=", RegexOptions.Multiline)
            .Select(m => string.Concat(m.Groups[1].Value.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..])))
            .ToHashSet();
    }

    private static IReadOnlySet<string> ParserMembers()
    {
        static bool IsParser(Type t) => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Parser<>);
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var type = typeof(DockerfileGrammar);
        return type.GetFields(all).Where(f => IsParser(f.FieldType)).Select(f => f.Name)
            .Concat(type.GetProperties(all).Where(p => IsParser(p.PropertyType)).Select(p => p.Name))
            .Concat(type.GetMethods(all).Where(m => IsParser(m.ReturnType)).Select(m => m.Name))
            .Where(n => !n.Contains('<'))
            .ToHashSet();
    }

    [Fact]
    public void Every_documented_rule_has_a_parser_of_the_same_name()
    {
        var missing = DocumentedRules().Except(ParserMembers()).Order().ToList();
        Assert.True(missing.Count == 0, "rules without a parser: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_parser_is_a_documented_rule()
    {
        var undocumented = ParserMembers().Except(DocumentedRules()).Order().ToList();
        Assert.True(undocumented.Count == 0, "parsers without a rule in Dockerfile.grammar: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void The_grammar_names_at_least_twenty_rules() => Assert.True(DocumentedRules().Count >= 20);
}
