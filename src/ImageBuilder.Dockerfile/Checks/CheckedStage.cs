using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Checks;

/// <summary>An instruction as the checks see it: its syntax, and its typed form when it parses.</summary>
internal sealed record CheckedNode(SyntaxNode Syntax, Instruction? Typed);

/// <summary>A stage: its FROM and the instructions after it (the global ARGs have no FROM).</summary>
internal sealed record CheckedStage(CheckedNode? From, IReadOnlyList<CheckedNode> Nodes)
{
    public FromInstruction? FromInstruction => From?.Typed as FromInstruction;

    public string? Name => FromInstruction?.StageName;

    /// <summary>Splits the file into the global ARGs (first) and the stages; instructions that do not parse keep only their syntax.</summary>
    public static IReadOnlyList<CheckedStage> Split(SyntaxTree tree)
    {
        var stages = new List<CheckedStage>();
        CheckedNode? from = null;
        var nodes = new List<CheckedNode>();
        foreach (var node in tree.Nodes)
        {
            var typed = TryParse(node);
            if (node.Keyword == "from")
            {
                stages.Add(new CheckedStage(from, nodes));
                from = new CheckedNode(node, typed);
                nodes = [];
                continue;
            }

            nodes.Add(new CheckedNode(node, typed));
        }

        stages.Add(new CheckedStage(from, nodes));
        return stages;
    }

    private static Instruction? TryParse(SyntaxNode node)
    {
        try
        {
            return InstructionParser.Parse(node);
        }
        catch (DockerfileException)
        {
            return null;
        }
    }
}
