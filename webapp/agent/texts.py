"""Every text of the agent console in one place: what customers receive from it, the quick
phrases agents can send (from the communication principles of the domain brief), and the
console's labels."""
from __future__ import annotations

# Sent to the customer (chat:outbound, kind=system).
AGENT_JOINED = "客服{name}已接入，接下来由我为您服务。"
AGENT_LEFT = "客服{name}已结束本次服务，感谢您的耐心。"

# One click in the reply box: 真诚尊重, 专业准确, 及时主动, 耐心细致, 保密.
QUICK_PHRASES = [
    "您好，很理解您现在的心情，请您先冷静一下，慢慢说。",
    "给您带来不便，非常抱歉。我先帮您核实一下情况，确认后马上答复您。",
    "我跟您确认一下您反映的问题：……，我理解得对吗？",
    "您需要准备的材料我给您列一份清单，照着准备就可以，免得您来回跑。",
    "这个问题我需要向理赔部门核实，有进展我会第一时间主动告诉您。",
    "如果对处理结果有异议，您可以申请复核，我把申诉途径告诉您。",
    "请您放心，您的个人信息和案件情况我们会严格保密。",
    "还有其他需要我帮忙的吗？",
]

REASONS = {
    "request": "客户要求转人工",
    "fallback": "机器人连续两次未理解",
    "anger": "客户连续表达不满",
    "complaint": "投诉后转人工",
    "death": "涉及身故",
    "dispute": "对不予承保有异议",
}
EMOTIONS = {"angry": "生气", "anxious": "焦虑", "sad": "悲伤"}
CHANNELS = {"socketio": "网页聊天", "wechat": "微信", "rest": "接口"}
STATES = {"waiting": "排队中", "active": "服务中", "ended": "已结束"}
# The console's own refusals (shown after "发送失败：").
EMPTY_REPLY = "回复内容不能为空"

# Slots shown under "已收集信息", in this order (others the dialogue sets are listed after,
# by name, unless they are internal).
FIELD_LABELS = {
    "intake_claim_type": "报案类型",
    "intake_policy_number": "保单号",
    "intake_insured_name": "被保险人",
    "intake_id_number": "身份证号",
    "intake_incident_time": "出险时间",
    "intake_incident_place": "出险地点",
    "intake_cause": "出险原因",
    "intake_description": "事故经过",
    "intake_loss": "损失情况",
    "intake_casualties": "人员伤亡",
    "intake_casualty_details": "伤亡情况",
    "intake_plate_number": "车牌号",
    "intake_hospital": "医院",
    "intake_contact_phone": "联系电话",
    "report_last_number": "本次报案号",
    "status_number": "查询的报案号/保单号",
    "status_report_number": "已核验的报案号",
    "materials_claim_type": "咨询材料的类型",
    "complaint_summary": "投诉内容",
    "complaint_number": "投诉编号",
    "callback_phone": "回电号码",
    "callback_time": "方便接听时间",
    "callback_reference": "回电登记号",
    "satisfaction_rating": "满意度评分",
}
