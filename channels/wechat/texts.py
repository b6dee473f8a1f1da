"""Customer-facing texts that belong to the WeChat channel itself (not to the dialogue).

Everything the assistant says in a conversation lives in the domain's responses; these
are the few things only this channel says: the welcome on subscribe, the hint under
numbered options, and answers to message kinds the dialogue never sees.
"""

# The welcome is followed by the menu items as numbered options (channels.wechat.menu).
WELCOME = (
    "您好，欢迎关注！我是理赔报案助手，可以帮您报案并马上拿到报案号、查询理赔进度、"
    "说明需要准备的理赔材料；报案后把材料照片直接发给我，会登记到您的案件里；"
    "需要真人服务随时说“转人工”。\n"
    "点击下方菜单、回复下面的数字，或者直接发文字、语音告诉我您的情况："
)

# Appended under numbered options (buttons of the dialogue).
OPTIONS_HINT = "（回复数字即可选择）"

VOICE_NOT_RECOGNISED = "抱歉，这条语音没有听清楚。麻烦您再说一遍，或者直接打字告诉我。"

UNSUPPORTED_MESSAGE = (
    "抱歉，目前我只能处理文字、语音和图片。请用文字或语音告诉我您的情况，"
    "理赔材料可以直接拍照发给我。"
)

IMAGE_KEPT = (
    "照片收到了，我先帮您保存着。报案登记完成、生成报案号后，我会自动把它登记为您的理赔材料。"
    "如果还没有开始报案，可以说“我要报案”。"
)
IMAGES_FILED_LATER = "您之前发送的{count}张照片已作为理赔材料登记到报案号 {report_no}。"
IMAGE_SAVED = "照片已收到，已作为理赔材料登记到报案号 {report_no}。还有其他材料可以继续发给我。"
IMAGE_FAILED = "抱歉，照片暂时没有保存成功，请稍后再发一次，或者说“转人工”由客服帮您处理。"

SYSTEM_BUSY = "抱歉，系统有点忙，请稍后再发一次，或者说“转人工”。"

# Before a human agent's message (handoff), so the customer knows a person is writing.
AGENT_PREFIX = "【人工客服】"

# Prefix of an image or link the dialogue sends (WeChat text messages carry no images).
IMAGE_LINK = "图片：{url}"
LINK = "{title}：{url}"
