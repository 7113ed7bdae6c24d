using Portal.Web.Learning;

namespace Portal.IntegrationTests;

/// <summary>A worker that also serves the training queue with training/'s own trainer (PyTorch from Debian).</summary>
public sealed class RealTrainerPortalApp : PortalApp
{
    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Portal:Worker:Queues:0", "media"),
        ("Portal:Worker:Queues:1", "inference"),
        ("Portal:Worker:Queues:2", "default"),
        ("Portal:Worker:Queues:3", "training"),
        ("Portal:Training:MinWindows", "1"),
    ];
}

/// <summary>
/// The learning loop end to end with nothing stood in: a clip processed by the real pipeline, every segment of every
/// track relabelled by a reviewer with a label no shipped model knows, the video marked reviewed, the training job
/// running training/portal_actions/finetune.py (PyTorch, two epochs), the version registered, and a reprocess with
/// that version labelling the clip with the reviewer's label. <c>./portal test</c> installs PyTorch before the tests.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class RealTrainerTests(RealTrainerPortalApp app) : IClassFixture<RealTrainerPortalApp>
{
    private const string NewLabel = "taught by a reviewer";

    [Fact]
    public async Task ReviewedClip_TrainedWithTheRealTrainer_ReprocessesWithTheReviewersLabel()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(uploaded.Id)).Status);
        using var client = app.CreateClient();
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.Contains(timeline.Tracks, t => t.Segments.Count > 0);
        foreach (var track in timeline.Tracks)
        {
            // Relabel until no segment of the track has another label (a relabel may merge neighbours, so indices move).
            var segments = track.Segments;
            while (segments.FirstOrDefault(s => s.Label != NewLabel) is { } segment)
            {
                using var relabel = await client.PostAsJsonAsync(new Uri($"/api/videos/{uploaded.Id}/corrections", UriKind.Relative),
                    new CorrectionRequest("relabel", track.TrackId, segment.Index, Label: NewLabel));
                Assert.True(relabel.StatusCode == HttpStatusCode.OK, await relabel.Content.ReadAsStringAsync());
                segments = (await relabel.Content.ReadFromJsonAsync<CorrectionResultDto>(PortalApp.Json))!.Segments;
            }
        }

        using (var mark = await client.PostAsJsonAsync(new Uri($"/api/videos/{uploaded.Id}/reviews", UriKind.Relative), new { }))
        {
            Assert.Equal(HttpStatusCode.OK, mark.StatusCode);
        }

        using var start = await client.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), new TrainingRequest("actions-coco2d", "reviewer-taught", 2, null));
        Assert.True(start.StatusCode == HttpStatusCode.Accepted, await start.Content.ReadAsStringAsync());
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        TrainingDto training;
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            training = (await client.GetFromJsonAsync<TrainingDto>(new Uri($"/api/trainings/{id}", UriKind.Relative), PortalApp.Json))!;
            if (training.Status is "Succeeded" or "Refused" or "Failed" or "Canceled")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"training still {training.Status} after 4 minutes");
            await Task.Delay(500);
        }

        Assert.True(training.Status == "Succeeded", $"{training.Status}: {training.Error}");
        Assert.Equal("reviewer-taught@1", training.ModelVersion);
        Assert.Equal([1, 2], training.EpochLines.Select(e => e["epoch"]!.GetValue<int>()));

        using var reprocess = await client.PostAsJsonAsync(new Uri($"/api/videos/{uploaded.Id}/reprocess", UriKind.Relative), new { model = "reviewer-taught@1" });
        Assert.Equal(HttpStatusCode.Accepted, reprocess.StatusCode);
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(uploaded.Id)).Status);
        var relabelled = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.Equal(new ModelRef("reviewer-taught", "1"), relabelled.Model);
        var labels = relabelled.Tracks.SelectMany(t => t.Segments).Select(s => s.Label).ToList();
        Assert.Contains(NewLabel, labels);
        Assert.All(relabelled.Tracks.SelectMany(t => t.Segments), s => Assert.False(s.Corrected, "a reprocessed run starts without corrections"));
    }
}
