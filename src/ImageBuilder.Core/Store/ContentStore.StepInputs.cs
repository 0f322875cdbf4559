using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Store;

public sealed partial class ContentStore
{
    internal string StepInputsPath => Path(OwnPath, "step-inputs");

    /// <summary>
    /// What the last build of one step (<paramref name="step"/>: the Dockerfile, platform, stage and
    /// position it is at) read — a small JSON document the engine writes to say, when the step
    /// misses the cache next time, which input changed. Null when there is none or it is damaged.
    /// </summary>
    public byte[]? FindStepInputs(Digest step)
    {
        var path = Path(StepInputsPath, step.Encoded);
        return FileSystem.File.Exists(path) ? FileSystem.File.ReadAllBytes(path) : null;
    }

    /// <summary>Stores (or replaces) a step's inputs, atomically.</summary>
    public void WriteStepInputs(Digest step, byte[] document)
    {
        FileSystem.Directory.CreateDirectory(StepInputsPath);
        WriteFileAtomically(Path(StepInputsPath, step.Encoded), document);
    }
}
