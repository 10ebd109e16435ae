"""Fictional names for the demo's guests: Latin (pinyin) and Chinese, combined deterministically."""

SURNAMES = [
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
    ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"), ("Xu", "徐"), ("Sun", "孙"),
    ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"), ("He", "何"), ("Gao", "高"),
    ("Lin", "林"), ("Luo", "罗"), ("Zheng", "郑"), ("Liang", "梁"), ("Song", "宋"), ("Tang", "唐"),
]

GIVEN_NAMES = [
    ("Wei", "伟"), ("Fang", "芳"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"), ("Yang", "洋"),
    ("Yong", "勇"), ("Jun", "军"), ("Jie", "杰"), ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"),
    ("Xiuying", "秀英"), ("Hua", "华"), ("Ping", "平"), ("Gang", "刚"), ("Guiying", "桂英"),
    ("Haiyan", "海燕"), ("Xiaoming", "晓明"), ("Jianguo", "建国"), ("Lihua", "丽华"), ("Yufei", "宇飞"),
    ("Zhiqiang", "志强"), ("Xin", "鑫"), ("Qiang", "强"), ("Ning", "宁"), ("Bo", "博"), ("Yan", "燕"),
]

# (name, local name, short name, kind) — all fictional
ORGANIZATIONS = [
    ("Huaxia New Energy Vehicles Co., Ltd.", "华夏新能源汽车有限公司", "HXNEV", "enterprise"),
    ("Jinghua Charging Technology Co., Ltd.", "京华充电科技有限公司", "JHCT", "enterprise"),
    ("Donghai Battery Group", "东海电池集团", "DHB", "enterprise"),
    ("Xinyuan Power Grid Services", "新源电网服务公司", "XYPG", "enterprise"),
    ("Changjiang Automotive Research Institute", "长江汽车研究院", "CARI", "institute"),
    ("Beifang Smart Mobility Co., Ltd.", "北方智慧出行有限公司", "BSM", "enterprise"),
    ("Zhongyuan Auto Parts Association", "中原汽车零部件协会", "ZAPA", "association"),
    ("Tianfu Electric Drive Co., Ltd.", "天府电驱动有限公司", "TFED", "enterprise"),
    ("Lingnan Charging Network", "岭南充电网络公司", "LNCN", "enterprise"),
    ("Haixi Testing Laboratory", "海西检测实验室", "HXTL", "certification_body"),
    ("Municipal Transport Commission (demo)", "市交通委员会（演示）", "MTC", "government"),
    ("Green Mobility Daily", "绿色出行日报", "GMD", "media"),
    ("Qilu Hydrogen Energy Co., Ltd.", "齐鲁氢能有限公司", "QLH", "enterprise"),
    ("Xingchen Autonomous Driving Lab", "星辰自动驾驶实验室", "XCADL", "institute"),
    ("Anda Fleet Leasing Co., Ltd.", "安达车队租赁有限公司", "ADFL", "enterprise"),
    ("Pengcheng Charging Stations Co., Ltd.", "鹏城充电站有限公司", "PCCS", "enterprise"),
]

POSITIONS = [
    ("Chief Executive Officer", "首席执行官"), ("Vice President", "副总裁"), ("Chief Engineer", "总工程师"),
    ("Director of Strategy", "战略总监"), ("Senior Researcher", "高级研究员"), ("General Manager", "总经理"),
    ("Head of Certification", "认证部主任"), ("Reporter", "记者"), ("Policy Analyst", "政策分析师"),
    ("Secretary General", "秘书长"),
]
