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

    /// <summary>One ISO/IEC 29794-5 quality component of a face. Its id, name and unit come from the library
    /// (serfiq_component_*), so a new component needs no change in this binding.</summary>
    public sealed class Component
    {
        /// <summary>Its stable id.</summary>
        public int Id { get; }
        /// <summary>Its ISO/IEC 29794-5 name, e.g. "InterEyeDistance".</summary>
        public string Name { get; }
        /// <summary>The unit of <see cref="Raw"/>, e.g. "px", "degree".</summary>
        public string Unit { get; }
        /// <summary>The measured value in <see cref="Unit"/>; NaN when not assessed.</summary>
        public float Raw { get; }
        /// <summary>0 to 100, higher is better; NaN when not assessed.</summary>
        public float Value { get; }
        /// <summary>Whether serfiq measures this component.</summary>
        public bool Assessed => !float.IsNaN(Value);

        internal Component(int id, string name, string unit, float raw, float value)
        {
            Id = id;
            Name = name;
            Unit = unit;
            Raw = raw;
            Value = value;
        }
    }

    /// <summary>A feedback code the person in front of the camera can act on.</summary>
    public sealed class Feedback
    {
        /// <summary>Its stable code: its bit in <see cref="Assessment.FeedbackBits"/>.</summary>
        public int Code { get; }
        /// <summary>Its name, e.g. "TOO_DARK".</summary>
        public string Name { get; }
        /// <summary>A short English sentence to show or translate.</summary>
        public string Message { get; }

        internal Feedback(int code, string name, string message)
        {
            Code = code;
            Name = name;
            Message = message;
        }

        private static Feedback[] all;

        /// <summary>Every code the library defines, by code (read from it once).</summary>
        public static System.Collections.Generic.IReadOnlyList<Feedback> All
        {
            get
            {
                Feedback[] a = all;
                if (a != null) return a;
                Native.EnsureAbi();
                a = new Feedback[Native.serfiq_feedback_count()];
                for (uint i = 0; i < a.Length; i++)
                    a[i] = new Feedback((int)i, Native.Utf8ToString(Native.serfiq_feedback_name(i)),
                                        Native.Utf8ToString(Native.serfiq_feedback_message(i)));
                all = a;
                return a;
            }
        }
    }

    /// <summary>A face with its quality, ISO/IEC 29794-5 components and feedback
    /// (<see cref="QualityModel.Assess"/>, <see cref="QualityModel.DetectAssess"/>).</summary>
    public sealed class Assessment
    {
        /// <summary>The detector's box when it found the face, else the aligned crop's extent in the image.</summary>
        public float[] Box { get; }
        /// <summary>The 5 landmarks (10 floats) the components were measured from.</summary>
        public float[] Landmarks { get; }
        /// <summary>The detector's confidence; 0 when the face was not found by the detector.</summary>
        public float Confidence { get; }
        /// <summary>The face's quality.</summary>
        public Quality Quality { get; }
        /// <summary>Every component the library defines, by name.</summary>
        public System.Collections.Generic.IReadOnlyDictionary<string, Component> Components { get; }
        /// <summary>The feedback codes raised, in code order.</summary>
        public System.Collections.Generic.IReadOnlyList<Feedback> Feedback { get; }
        /// <summary>Bit k set: feedback code k raised.</summary>
        public ulong FeedbackBits { get; }

        /// <summary>Whether feedback <paramref name="name"/> ("TOO_DARK") was raised.</summary>
        public bool Has(string name)
        {
            foreach (Feedback f in Feedback)
                if (f.Name == name) return true;
            return false;
        }

        private Assessment(float[] box, float[] landmarks, float confidence, Quality quality,
                           System.Collections.Generic.IReadOnlyDictionary<string, Component> components,
                           System.Collections.Generic.IReadOnlyList<Feedback> feedback, ulong bits)
        {
            Box = box;
            Landmarks = landmarks;
            Confidence = confidence;
            Quality = quality;
            Components = components;
            Feedback = feedback;
            FeedbackBits = bits;
        }

        private static string[][] names;

        /// <summary>Component names and units by id, read from the library once.</summary>
        private static string[][] Names()
        {
            string[][] n = names;
            if (n != null) return n;
            uint count = Native.serfiq_component_count();
            n = new[] { new string[count], new string[count] };
            for (uint i = 0; i < count; i++)
            {
                n[0][i] = Native.Utf8ToString(Native.serfiq_component_name(i));
                n[1][i] = Native.Utf8ToString(Native.serfiq_component_unit(i));
            }
            names = n;
            return n;
        }

        internal static unsafe Assessment FromNative(NativeFace* f, NativeComponents* c)
        {
            var box = new float[4];
            var landmarks = new float[Native.LandmarkFloats];
            for (int k = 0; k < box.Length; k++) box[k] = f->Box[k];
            for (int k = 0; k < landmarks.Length; k++) landmarks[k] = f->Landmarks[k];
            string[][] n = Names();
            var components = new System.Collections.Generic.Dictionary<string, Component>(n[0].Length);
            for (int id = 0; id < n[0].Length; id++)
            {
                bool set = id < c->Count && id < Native.MaxComponents;
                components[n[0][id]] = new Component(id, n[0][id], n[1][id], set ? c->Raw[id] : float.NaN,
                                                     set ? c->Value[id] : float.NaN);
            }
            var feedback = new System.Collections.Generic.List<Feedback>();
            foreach (Feedback code in Serfiq.Feedback.All)
                if (code.Code < 64 && (c->Feedback >> code.Code & 1UL) != 0) feedback.Add(code);
            return new Assessment(box, landmarks, f->Confidence, f->Quality.ToQuality(), components, feedback.AsReadOnly(),
                                  c->Feedback);
        }
    }
}
