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

    /// <summary>Drops the step inputs whose key has no cache record any more (after a prune): a later miss of that step says nothing rather than something stale.</summary>
    private void RemoveDanglingStepInputs()
    {
        if (!FileSystem.Directory.Exists(StepInputsPath))
        {
            return;
        }

        foreach (var file in FileSystem.Directory.EnumerateFiles(StepInputsPath).ToList())
        {
            if (!(KeyOf(FileSystem.File.ReadAllBytes(file)) is { } key && FileSystem.File.Exists(Path(CachePath, key.Encoded))))
            {
                FileSystem.File.Delete(file);
            }
        }
    }

    private static Digest? KeyOf(byte[] document)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(document);
            return json.RootElement.TryGetProperty("Key", out var key) && Digest.TryParse(key.GetString() ?? "", out var digest) ? digest : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
