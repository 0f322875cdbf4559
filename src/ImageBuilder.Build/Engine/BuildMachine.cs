namespace ImageBuilder.Build.Engine;

/// <summary>
/// What the engine runs steps and file work on: its seams (steps, file work, layers, git), and the most layers one root
/// may stack (overlayfs's <c>OVL_MAX_STACK</c> on Linux): a step that would mount more, or add
/// a layer above it, is refused before it runs.
/// </summary>
public sealed record BuildMachine(IStepRunner Runner, IFileWork Files, ILayerCommitter Layers, IGitSource Git, int MaxLowerLayers);
