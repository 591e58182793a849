// The starter config written by `voxray init`. It runs as is (an echo agent) and explains
// each section in `_comment_*` keys, which Voxray ignores. Empty strings mean "not set".

const template = {
  _comment: "Voxray configuration. Every key is optional; run `voxray config schema` for the full list with descriptions, and `voxray config check <file>` after editing.",

  _comment_server: "Server. host \"\" listens on every interface; port 0 picks a free port. transport: websocket (/ws), smallwebrtc (browser WebRTC), or both. Set server_api_key to require X-API-Key or Authorization: Bearer on the API and /ws.",
  host: "",
  port: 8080,
  transport: "both",
  server_api_key: "",

  _comment_providers: "Voice agent. Setting provider (or llm_provider) turns on speech-to-text -> LLM -> text-to-speech; stt_provider/llm_provider/tts_provider choose per service, *_model and tts_voice fall back to each provider's default, *_base_url points at a self-hosted or proxied API. With no provider, the pipeline is made of plugins (echo repeats what you say). API keys: api_keys.<name> or the environment (OPENAI_API_KEY, GROQ_API_KEY, XAI_API_KEY for grok, DASHSCOPE_API_KEY for qwen, ...); a missing key stops start-up with a message saying which.",
  provider: "",
  model: "",
  stt_provider: "",
  tts_provider: "",
  tts_voice: "",
  system_prompt: "You are a helpful voice assistant. Reply briefly and naturally in the same language as the user.",
  api_keys: { openai: "", groq: "" },
  plugins: ["echo"],

  _comment_turns: "Turn-taking. turn_detection: vad (Silero or energy VAD), silence (energy only) or none (the client ends turns). A turn ends after turn_stop_secs of silence. The vad_* values tune the detector: confidence and min_volume are 0..1, start/stop are seconds of speech/silence before it changes its mind.",
  turn_detection: "vad",
  turn_stop_secs: 0.8,
  turn_pre_speech_ms: 500,
  turn_max_duration_secs: 30,
  user_turn_stop_timeout_secs: 5,
  user_idle_timeout_secs: 0,
  vad_type: "silero",
  vad_confidence: 0.7,
  vad_start_secs_vad: 0.2,
  vad_stop_secs: 0.2,
  vad_min_volume: 0.6,

  _comment_interruptions: "Interruptions. With allow_interruptions the user can talk over the bot and it stops at once. interruption_strategy min_words asks for min_words words first, so coughs and 'mm-hm' do not cut the bot off. If an interruption brings no words within false_interruption_timeout_secs, the bot resumes (or gives the answer the noise cut off).",
  allow_interruptions: true,
  interruption_strategy: "none",
  min_words: 2,
  false_interruption_timeout_secs: 2,

  _comment_webrtc: "WebRTC. STUN/TURN servers as URL strings or {urls, username, credential} objects (TURN needs both). rtc_max_duration_secs caps a session's length (0 = no cap).",
  webrtc_ice_servers: ["stun:stun.l.google.com:19302"],
  rtc_max_duration_secs: 0,

  _comment_scaling: "Scaling. session_store redis (with redis_url) shares /start sessions between processes. Each session queues at most pipeline_input_queue_cap input frames; when full, pipeline_input_overflow pauses the transport, drops the oldest audio, or ends the session with an error.",
  session_store: "memory",
  redis_url: "",
  session_ttl_secs: 3600,
  pipeline_input_queue_cap: 256,
  pipeline_input_overflow: "pause",

  _comment_observability: "Observability. log_level debug|info|warn|error|silent; json_logs writes one JSON object per line. Prometheus metrics at /metrics. cors_allowed_origins: absent = any origin, [] = none, or a list of origins like https://app.example.com.",
  log_level: "info",
  json_logs: false,
  metrics_enabled: true,
};

/** The text `voxray init` writes. */
export function initTemplateText(): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}
