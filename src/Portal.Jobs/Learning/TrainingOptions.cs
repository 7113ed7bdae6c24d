namespace Portal.Jobs.Learning;

/// <summary>How the training job runs the fine-tuning process of training/ (issue 15's contract).</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Portal:Training";

    /// <summary>Debian's Python, which has python3-torch once `bash training/install.sh` ran as root.</summary>
    public string Python { get; set; } = "/usr/bin/python3";

    /// <summary>The directory the trainer runs in (holds portal_actions/); empty: training/ beside the models directory.</summary>
    public string TrainingRoot { get; set; } = "";

    /// <summary>Where each training keeps its reviewed set, checkpoint and output while it runs; empty: MEDIA_ROOT/training.</summary>
    public string WorkRoot { get; set; } = "";

    /// <summary>Fewest windows a label needs; the trainer refuses a set with a label below it.</summary>
    public int MinWindows { get; set; } = 20;

    /// <summary>Threads PyTorch may use (the machine is shared with the other stages).</summary>
    public int Threads { get; set; } = 1;

    /// <summary>How long a trainer has to stop after SIGTERM before it is killed.</summary>
    public TimeSpan KillAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The trainer's working directory: <see cref="TrainingRoot"/>, or training/ beside <paramref name="modelsRoot"/>.</summary>
    public string TrainerDirectory(string modelsRoot) =>
        TrainingRoot.Length > 0 ? Path.GetFullPath(TrainingRoot) : Path.GetFullPath(Path.Combine(modelsRoot, "..", "training"));
}
