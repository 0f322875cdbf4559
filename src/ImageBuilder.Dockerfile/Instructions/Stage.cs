using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>A build stage: its FROM, its position, and the instructions after it.</summary>
public sealed record Stage(int Index, string? Name, FromInstruction From, IReadOnlyList<Instruction> Commands)
{
    /// <summary>The name a user refers to: the AS name, or the index as text.</summary>
    public string Reference => Name ?? Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A parsed, validated Dockerfile: the ARGs before the first FROM (global scope),
/// the stages, the directives, and the syntax tree it came from.
/// </summary>
public sealed record DockerfileDocument(
    IReadOnlyList<ArgInstruction> GlobalArgs,
    IReadOnlyList<Stage> Stages,
    SyntaxTree Syntax)
{
    public char EscapeToken => Syntax.EscapeToken;

    public IReadOnlyList<SyntaxWarning> Warnings => Syntax.Warnings;

    /// <summary>The stage with this name (case-insensitive) or index, or null.</summary>
    public Stage? FindStage(string nameOrIndex) =>
        Stages.FirstOrDefault(s => string.Equals(s.Name, nameOrIndex, StringComparison.OrdinalIgnoreCase)) ?? StageAt(nameOrIndex);

    /// <summary>The stage whose index is <paramref name="index"/> written in decimal, or null.</summary>
    public Stage? StageAt(string index) =>
        int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i)
        && i < Stages.Count ? Stages[i] : null;
}
