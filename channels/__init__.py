"""Rasa input channels and outbound delivery.

- `channels.wechat`: the WeChat Official Account channel (`/webhooks/wechat/webhook`).
- `channels.socketio`: the web chat's socket.io channel, shared across Rasa instances
  through Redis.
- `channels.outbound`: delivers messages that are not replies to a user message
  (agent replies, progress notices) from the Redis stream `chat:outbound`.

Modules here that the outbound worker imports never import Rasa, so the worker starts fast.
"""
