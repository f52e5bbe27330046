namespace Serfiq
{
    /// <summary>One face found by <see cref="QualityModel.DetectScore"/> (serfiq_face).</summary>
    public sealed class DetectedFace
    {
        /// <summary>The face's box: left, top, right, bottom edges in image pixels (4 floats).</summary>
        public float[] Box { get; }
        /// <summary>Its 5 landmarks as 10 floats (x, y of left eye, right eye, nose tip, left and right mouth
        /// corner) in image pixels: the points the face was aligned by.</summary>
        public float[] Landmarks { get; }
        /// <summary>The detector's confidence that this is a face, in (threshold, 1].</summary>
        public float Confidence { get; }
        /// <summary>The face's quality.</summary>
        public Quality Quality { get; }
        /// <summary>The face's embedding, or null when it was not asked for.</summary>
        public float[] Embedding { get; }

        internal DetectedFace(float[] box, float[] landmarks, float confidence, Quality quality, float[] embedding)
        {
            Box = box;
            Landmarks = landmarks;
            Confidence = confidence;
            Quality = quality;
            Embedding = embedding;
        }
    }

    /// <summary>The result of one image of <see cref="QualityModel.ScoreBatchEach"/>.</summary>
    public sealed class BatchResult
    {
        /// <summary>The image's own status: <see cref="Serfiq.Status.Ok"/> when it was scored.</summary>
        public Status Status { get; }
        /// <summary>Why the image failed ("image 3: ..."), or "" when it was scored.</summary>
        public string Message { get; }
        /// <summary>The image's quality, or null when it failed.</summary>
        public Quality? Quality { get; }
        /// <summary>The image's embedding, or null when it failed or embeddings were not asked for.</summary>
        public float[] Embedding { get; }
        /// <summary>Whether the image was scored.</summary>
        public bool IsOk => Status == Status.Ok;

        internal BatchResult(Status status, string message, Quality? quality, float[] embedding)
        {
            Status = status;
            Message = message;
            Quality = quality;
            Embedding = embedding;
        }
    }
}
