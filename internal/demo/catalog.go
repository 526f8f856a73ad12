package demo

import (
	"fmt"
	"strings"

	"github.com/gridwatch/gridwatch/patrol/powers"
)

// catalogSector is one sector's part of the demo's powers catalog (赋权清单): the
// department that held its items before the reform, the law they rest on, and ten items.
// Names and legal bases are plausible, not the city's real list. The last two items of
// each sector are coercive measures (行政强制), the others penalties.
type catalogSector struct {
	sector     string // a sector code of migrations/0005_create_cases.sql
	prefix     string // of the items' codes: JY-<prefix>-01 …
	department string
	law        string
	items      [10]string
}

// catalogSectors are the demo's 120 items over the 12 sectors.
var catalogSectors = []catalogSector{
	{"urban_management", "CG", "市城市综合管理局", "江苏省城市市容和环境卫生管理条例", [10]string{
		"擅自占用城市道路摆摊设点", "店外经营影响市容", "擅自设置户外广告设施", "餐饮服务业油烟未经处理直接排放",
		"运输车辆沿途撒漏污染路面", "擅自在建筑物上涂写刻画张贴", "未按规定堆放建筑垃圾", "擅自占用城市绿地",
		"查封违法设置的户外广告设施", "扣押占道经营的物品工具"}},
	{"work_safety", "AJ", "市应急管理局", "中华人民共和国安全生产法", [10]string{
		"生产经营单位未按规定开展安全生产教育培训", "特种作业人员未持证上岗", "未按规定设置安全警示标志",
		"危险物品未按规定储存", "有限空间作业未履行审批程序", "粉尘涉爆场所未按规定清扫积尘",
		"生产经营场所与员工宿舍设在同一建筑物内", "未如实记录安全隐患排查治理情况",
		"查封存在重大事故隐患的场所设施", "扣押不符合国家标准的设施设备"}},
	{"eco_environment", "HB", "市生态环境局", "中华人民共和国大气污染防治法", [10]string{
		"通过暗管偷排水污染物", "露天焚烧产生有毒有害烟尘的物质", "施工工地未采取扬尘防治措施",
		"未按规定贮存危险废物", "排放恶臭气体未采取措施", "未密闭进行喷涂作业", "超标排放噪声干扰居民",
		"未依法进行环境影响评价擅自开工", "查封违法排放污染物的设施设备", "扣押违法排污的物品"}},
	{"natural_resources", "ZR", "市自然资源和规划局", "中华人民共和国土地管理法", [10]string{
		"未经批准非法占用土地", "占用耕地建窑建坟", "非法采挖砂土", "擅自改变土地用途",
		"未取得建设工程规划许可证进行建设", "未按规划许可内容进行建设", "破坏永久基本农田",
		"临时用地期满未恢复原状", "查封非法占地施工现场", "扣押非法采矿工具设备"}},
	{"housing_construction", "ZJ", "市住房和城乡建设局", "建设工程质量管理条例", [10]string{
		"未取得施工许可证擅自施工", "装饰装修擅自变动建筑主体和承重结构", "物业服务企业擅自改变共用部位用途",
		"房地产中介机构违规发布房源信息", "建设单位未组织竣工验收擅自交付使用", "施工单位未按规定设置安全防护",
		"违规使用禁止使用的建筑材料", "燃气经营者未按规定进行安全检查", "查封存在安全隐患的施工现场",
		"扣押违规使用的施工机具"}},
	{"market_regulation", "SJ", "市市场监督管理局", "中华人民共和国食品安全法", [10]string{
		"销售超过保质期的食品", "无证从事食品经营", "未按规定公示营业执照", "销售不合格产品",
		"计量器具作弊短斤缺两", "发布虚假广告", "价格违法行为", "特种设备未经检验继续使用",
		"查封违法生产经营的场所", "扣押不符合食品安全标准的食品"}},
	{"health", "WJ", "市卫生健康委员会", "公共场所卫生管理条例", [10]string{
		"公共场所未取得卫生许可证经营", "从业人员未取得健康合格证明", "非法行医", "医疗废物未按规定处置",
		"生活饮用水不符合卫生标准", "未按规定落实控烟措施", "美容美发场所用品用具未消毒",
		"学校卫生设施不符合要求", "封存被污染的公共用品用具", "暂扣非法行医的器械药品"}},
	{"agriculture", "NY", "市农业农村局", "中华人民共和国农产品质量安全法", [10]string{
		"销售含有禁用农药的农产品", "经营假劣农药", "违规使用兽药", "未按规定处理病死畜禽",
		"擅自收购加工野生动物", "非法捕捞水产品", "违规收购贩运生猪", "擅自毁坏林木",
		"查封违法生产的农资经营场所", "扣押假劣农资"}},
	{"transport", "JT", "市交通运输局", "中华人民共和国道路运输条例", [10]string{
		"未取得道路运输经营许可擅自经营", "非法营运客车", "货运车辆超限运输", "擅自占用挖掘公路",
		"在公路用地范围内设置非公路标志", "出租汽车拒载议价", "危险货物运输车辆未按规定标识",
		"擅自在航道内设置障碍物", "暂扣非法营运车辆", "扣押超限运输车辆"}},
	{"water", "SL", "市水利农机局", "中华人民共和国水法", [10]string{
		"未经批准擅自取水", "在河道管理范围内违法建设", "在河道内倾倒垃圾渣土", "非法采砂",
		"擅自填堵河道", "违法设置入河排污口", "损毁水利工程设施", "在堤防安全保护区内取土",
		"查封非法采砂作业场所", "扣押非法采砂船舶机具"}},
	{"labor", "RS", "市人力资源和社会保障局", "劳动保障监察条例", [10]string{
		"拖欠克扣劳动者工资", "未依法签订劳动合同", "违法使用童工", "未按规定缴纳社会保险费",
		"违反工作时间和休息休假规定", "非法职业中介", "未按规定保存职工名册", "违法收取劳动者押金",
		"查封违法职业中介场所", "扣押违法收取的证件物品"}},
	{"fire", "XF", "市消防救援大队", "中华人民共和国消防法", [10]string{
		"消防设施未保持完好有效", "占用堵塞封闭疏散通道安全出口", "埋压圈占遮挡消火栓",
		"人员密集场所门窗设置影响逃生的障碍物", "违规使用明火作业", "电动自行车违规停放充电",
		"消防安全重点单位未履行职责", "使用不合格消防产品", "查封存在重大火灾隐患的场所",
		"临时扣押违规使用的电动车电池"}},
}

// Who holds the demo's items. On 2018-03-01 every township takes the first nine items
// of each sector but fire (which stayed with the fire and rescue service) — except that
// 澄江, the old city's sub-district, had not taken over the urban-management bureau's
// powers. On 2018-09-01 one item is granted and four taken back: the reform's +5 and −28
// of 788, scaled to 120 items.
var (
	// CatalogDocument is the document of the first list; AdjustmentDocument of the change.
	CatalogDocument    = "澄政发〔2018〕12号"
	AdjustmentDocument = "澄政发〔2018〕58号"
	// Chengjiang holds no urban-management item.
	Chengjiang = "320281001"
	// AdjustedGrant and AdjustedRevoke are the items of the 2018-09-01 adjustment.
	AdjustedGrant  = []string{"JY-NY-10"}
	AdjustedRevoke = []string{"JY-HB-08", "JY-ZR-08", "JY-ZJ-08", "JY-JT-08"}
)

// itemCode is the code of a sector's n-th item (1-based).
func itemCode(prefix string, n int) string { return fmt.Sprintf("JY-%s-%02d", prefix, n) }

// catalogRows writes the catalog as the 2018-03-01 township list reads (see above):
// townships is every township code.
func catalogRows(townships []string) []powers.ListRow {
	var others []string
	for _, t := range townships {
		if t != Chengjiang {
			others = append(others, t)
		}
	}
	var rows []powers.ListRow
	for _, s := range catalogSectors {
		for n, name := range s.items {
			category := "行政处罚"
			if n >= 8 {
				category = "行政强制"
			}
			holders := ""
			switch {
			case s.sector == "fire" || n >= 9:
			case s.sector == "urban_management":
				holders = strings.Join(others, "、")
			default:
				holders = "全部"
			}
			basis := fmt.Sprintf("《%s》第%d条", s.law, 20+3*n)
			rows = append(rows, powers.ListRow{Row: len(rows) + 2, Number: fmt.Sprint(len(rows) + 1), Code: itemCode(s.prefix, n+1),
				Name: name, Sector: s.sector, Department: s.department, LegalBasis: basis, Category: category, Townships: holders})
		}
	}
	return rows
}
